import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type { ImportProgress, ImportRecord, ImportSource, ImportStore } from '../ports.ts';

/** Import records are kept this long (TTL). */
const RETENTION_SECONDS = 90 * 24 * 3600;

type StoredImport = ImportRecord & { version: number; leaseToken?: string; leaseUntil?: number };

export interface DynamoImportStoreOptions {
  now?: () => number;
}

/**
 * {@link ImportStore} on the single table (`keys.importRecord`). A claim reads the record, decides
 * (new version, pending upload, continuation by token, expired lease) and writes it back on the
 * condition that its `version` did not move, so of two concurrent deliveries exactly one wins.
 * Checkpoints and the final state are written only while the caller's lease token is current.
 */
export class DynamoImportStore implements ImportStore {
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoImportStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async createPending(importId: string, key: string, uploadExpiresAt: string): Promise<ImportRecord> {
    const now = new Date(this.now()).toISOString();
    const record: StoredImport = {
      ...emptyRecord(importId, key, now),
      version: 0,
    };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.importRecord(importId), ...record, uploadExpiresAt, expiresAt: this.ttl() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await this.putLogEntry(record.createdAt, importId);
    return toPublic(record);
  }

  async get(importId: string): Promise<ImportRecord | null> {
    const stored = await this.read(importId);
    return stored ? toPublic(stored) : null;
  }

  async list(limit: number): Promise<ImportRecord[]> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.importLogPk },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const ids = (output.Items ?? []).map((item) => String(item.importId));
    const stored = await this.readMany(ids);
    return ids.flatMap((id) => {
      const record = stored.get(id);
      return record ? [toPublic(record)] : [];
    });
  }

  async claim(
    source: ImportSource,
    token: string,
    leaseUntil: number,
    expectedToken?: string,
  ): Promise<ImportRecord | null> {
    const current = await this.read(source.importId);
    const now = this.now();
    const nowIso = new Date(now).toISOString();
    let next: StoredImport;
    if (current === null || current.status === 'pending' || current.etag !== source.etag) {
      // A new upload (or a new version of the same key): start from the beginning.
      next = {
        ...emptyRecord(source.importId, source.key, current?.createdAt ?? nowIso),
        bucket: source.bucket,
        etag: source.etag,
        asOf: source.asOf,
        status: 'processing',
        version: (current?.version ?? -1) + 1,
      };
    } else if (
      current.status === 'processing' &&
      ((expectedToken !== undefined && current.leaseToken === expectedToken) ||
        (current.leaseUntil ?? 0) < now)
    ) {
      // A continuation, or a retry after a crashed worker's lease ran out: resume at the checkpoint.
      next = { ...current, version: current.version + 1 };
    } else {
      return null; // done already, or another worker holds the lease
    }
    next = { ...next, leaseToken: token, leaseUntil, updatedAt: nowIso };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.importRecord(source.importId), ...next, expiresAt: this.ttl() },
          ConditionExpression: current === null ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(current === null ? {} : { ExpressionAttributeValues: { ':version': current.version } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Lost to another delivery, unless our own write landed and only its response was lost (a retry).
      const after = await this.read(source.importId);
      if (after?.leaseToken !== token) return null;
    }
    // An upload straight to the bucket has no pending record: its first claim logs it.
    if (current === null) await this.putLogEntry(next.createdAt, source.importId);
    return toPublic(next);
  }

  checkpoint(
    importId: string,
    token: string,
    progress: ImportProgress,
    leaseUntil: number,
  ): Promise<boolean> {
    return this.update(importId, token, progress, { leaseUntil });
  }

  finish(
    importId: string,
    token: string,
    status: 'completed' | 'failed',
    progress: ImportProgress,
    errorReportKey: string | null,
  ): Promise<boolean> {
    return this.update(importId, token, progress, {
      status,
      errorReportKey,
      finishedAt: new Date(this.now()).toISOString(),
    });
  }

  private async update(
    importId: string,
    token: string,
    progress: ImportProgress,
    extra: Record<string, unknown>,
  ): Promise<boolean> {
    const fields: Record<string, unknown> = {
      ...progress,
      ...extra,
      updatedAt: new Date(this.now()).toISOString(),
    };
    const names: Record<string, string> = { '#token': 'leaseToken', '#version': 'version' };
    const values: Record<string, unknown> = { ':token': token, ':one': 1 };
    const set: string[] = [];
    Object.entries(fields).forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      set.push(`#f${i} = :f${i}`);
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.importRecord(importId),
          UpdateExpression: `SET ${set.join(', ')} ADD #version :one`,
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async read(importId: string): Promise<StoredImport | null> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.importRecord(importId), ConsistentRead: true }),
    );
    return (output.Item as StoredImport | undefined) ?? null;
  }

  /** Names the import in the log that {@link DynamoImportStore.list} reads; expires with the record. */
  private async putLogEntry(createdAt: string, importId: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.importLogEntry(createdAt, importId), importId, expiresAt: this.ttl() },
      }),
    );
  }

  /** Records by id (BatchGetItem, at most 100 ids; unprocessed keys retried). */
  private async readMany(importIds: readonly string[]): Promise<Map<string, StoredImport>> {
    const found = new Map<string, StoredImport>();
    let pending: Record<string, unknown>[] = importIds.map((id) => ({ ...keys.importRecord(id) }));
    while (pending.length > 0) {
      const output = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
      );
      for (const item of output.Responses?.[this.tableName] ?? []) {
        found.set(String(item.importId), item as StoredImport);
      }
      pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  private ttl(): number {
    return Math.floor(this.now() / 1000) + RETENTION_SECONDS;
  }
}

function emptyRecord(importId: string, key: string, createdAt: string): ImportRecord {
  return {
    importId,
    status: 'pending',
    bucket: null,
    key,
    etag: null,
    rowsTotal: 0,
    rowsImported: 0,
    rowsRejected: 0,
    warnings: [],
    errors: [],
    errorReportKey: null,
    asOf: null,
    checkpoint: null,
    createdAt,
    updatedAt: createdAt,
  };
}

function toPublic(stored: StoredImport): ImportRecord {
  return {
    importId: stored.importId,
    status: stored.status,
    bucket: stored.bucket ?? null,
    key: stored.key,
    etag: stored.etag ?? null,
    rowsTotal: stored.rowsTotal,
    rowsImported: stored.rowsImported,
    rowsRejected: stored.rowsRejected,
    warnings: stored.warnings ?? [],
    errors: stored.errors ?? [],
    errorReportKey: stored.errorReportKey ?? null,
    asOf: stored.asOf ?? null,
    checkpoint: stored.checkpoint ?? null,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}
