import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ImportKeyMismatchError } from '../imports/import-keys.ts';
import { compareSequencers } from '../imports/sequencer.ts';
import { keys } from '../keys.ts';
import type {
  ImportClaim,
  ImportCommit,
  ImportProgress,
  ImportRecord,
  ImportSource,
  ImportStore,
} from '../ports.ts';

/** Import records are kept this long (TTL). */
const RETENTION_SECONDS = 90 * 24 * 3600;

/** Attempts at a claim when concurrent deliveries keep changing the record under it. */
const CLAIM_ATTEMPTS = 5;

type StoredImport = ImportRecord & { version: number };

export interface DynamoImportStoreOptions {
  now?: () => number;
}

/**
 * {@link ImportStore} on the single table (`keys.importRecord`), one record per key. A claim reads
 * the record, checks that it is the same object key (sequencers compare only events of one key),
 * decides (same version: resume by its owner or nothing; older sequencer: nothing; a new
 * version or a pending upload: start over) and writes it back on the condition that its `version`
 * did not move, so of concurrent deliveries exactly one wins. Commits and the final state are
 * conditional on the owner (and for commits on the chunk number).
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
    const record: StoredImport = { ...emptyRecord(importId, key, now), version: 0 };
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

  async claim(source: ImportSource, owner: string): Promise<ImportClaim> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(source.importId);
      if (current && current.key !== source.key) throw new ImportKeyMismatchError(source, current.key);
      if (current?.owner === owner) {
        // Claimed by this owner before (the step ran again after its write): log it, if that was lost.
        await this.putLogEntry(current.createdAt, source.importId);
        return { outcome: 'claimed', record: toPublic(current) };
      }
      if (current && current.status !== 'pending') {
        if (current.etag === source.etag) {
          // This object version is imported already, or by another execution.
          return { outcome: 'duplicate', record: toPublic(current) };
        } else if (
          current.sequencer &&
          source.sequencer &&
          compareSequencers(source.sequencer, current.sequencer) < 0
        ) {
          return { outcome: 'older', record: toPublic(current) };
        }
      }
      const nowIso = new Date(this.now()).toISOString();
      const next: StoredImport = {
        // A new upload (or a newer version of the same key): start from the beginning.
        ...emptyRecord(source.importId, source.key, current?.createdAt ?? nowIso),
        bucket: source.bucket,
        etag: source.etag,
        sequencer: source.sequencer ?? null,
        asOf: source.asOf,
        status: 'processing',
        owner,
        updatedAt: nowIso,
        version: (current?.version ?? -1) + 1,
      };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.importRecord(source.importId), ...next, expiresAt: this.ttl() },
            ConditionExpression: current === null ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(current === null ? {} : { ExpressionAttributeValues: { ':version': current.version } }),
          }),
        );
        // An upload straight to the bucket has no pending record: its first claim logs it.
        if (current === null) await this.putLogEntry(next.createdAt, source.importId);
        return { outcome: 'claimed', record: toPublic(next) };
      } catch (error) {
        // Lost to a concurrent delivery (or our own write landed and only its response was lost):
        // decide again on what is stored now.
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= CLAIM_ATTEMPTS) throw error;
      }
    }
  }

  async commit(
    importId: string,
    owner: string,
    chunk: number,
    progress: ImportProgress,
  ): Promise<ImportCommit> {
    const written = await this.update(importId, progress, { chunks: chunk + 1 }, 'chunks = :chunk', {
      ':owner': owner,
      ':chunk': chunk,
    });
    if (written) return { outcome: 'committed' };
    const stored = await this.read(importId);
    // This chunk was committed before (the step ran again after a crash): keep what was counted then.
    if (stored?.owner === owner && stored.chunks > chunk)
      return { outcome: 'already', record: toPublic(stored) };
    return { outcome: 'superseded' };
  }

  async finish(
    importId: string,
    owner: string,
    status: 'completed' | 'failed',
    progress: ImportProgress,
    errorReportKey: string | null,
  ): Promise<boolean> {
    const extra = { status, errorReportKey, finishedAt: new Date(this.now()).toISOString() };
    if (await this.update(importId, progress, extra, '#status = :processing', { ':owner': owner })) {
      return true;
    }
    const stored = await this.read(importId);
    return stored?.owner === owner && stored.status === status; // finished before, by this owner
  }

  /** Sets `progress` and `extra` on the condition that `owner` holds the import and `condition`. */
  private async update(
    importId: string,
    progress: ImportProgress,
    extra: Record<string, unknown>,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<boolean> {
    const fields: Record<string, unknown> = {
      ...progress,
      ...extra,
      updatedAt: new Date(this.now()).toISOString(),
    };
    const names: Record<string, string> = { '#owner': 'owner', '#version': 'version', '#status': 'status' };
    const values: Record<string, unknown> = { ...conditionValues, ':one': 1, ':processing': 'processing' };
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
          ConditionExpression: `#owner = :owner AND #status = :processing AND ${condition}`,
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
    sequencer: null,
    rowsTotal: 0,
    rowsImported: 0,
    rowsRejected: 0,
    warnings: [],
    errors: [],
    errorReportKey: null,
    asOf: null,
    checkpoint: null,
    owner: null,
    chunks: 0,
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
    sequencer: stored.sequencer ?? null,
    rowsTotal: stored.rowsTotal,
    rowsImported: stored.rowsImported,
    rowsRejected: stored.rowsRejected,
    warnings: stored.warnings ?? [],
    errors: stored.errors ?? [],
    errorReportKey: stored.errorReportKey ?? null,
    asOf: stored.asOf ?? null,
    checkpoint: stored.checkpoint ?? null,
    owner: stored.owner ?? null,
    chunks: stored.chunks ?? 0,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}
