import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../concurrency.ts';
import { keys } from '../keys.ts';
import { normalizeName } from '../names.ts';
import type { PartnerRecord, PartnerStore, PartnerUpsert, UpsertOutcome, UpsertStatus } from '../ports.ts';
import type { ScorablePartner } from '../scoring/columns.ts';
import { batchGetAll } from './dynamo-batch-get.ts';
import { readChangeJournal, writeChangeJournal } from './partner-change-journal.ts';
import {
  DELETED_AT,
  fromAttributeValues,
  isTombstone,
  METRIC_ATTRIBUTE_PREFIX,
  merge,
  metricsOf,
  sameData,
  toPartnerRecord,
  upsertExpression,
} from './partner-items.ts';

/** A deleted partner's tombstone is kept this long (as its history is), then expires by TTL. */
export const TOMBSTONE_TTL_DAYS = 400;

export interface DynamoPartnerStoreOptions {
  /** UpdateItem requests in flight at once during a batch upsert. */
  concurrency?: number;
  now?: () => number;
}

/**
 * {@link PartnerStore} on the single table. Each partner is one item in its shard partition with
 * one top-level attribute per metric, so an upsert is ONE conditional UpdateItem: it merges (SET
 * given metrics, REMOVE nulls, keep the rest) and guards against stale data
 * (`attribute_not_exists(pk) OR asOf <= :asOf`, strictly newer over a tombstone) in the same request, and `ALL_OLD` tells created,
 * updated and unchanged apart without a read. After a batch that changed anything, the
 * `partnersChanged` marker is written once.
 *
 * Before it writes, every upsert batch and delete records the ids it is about to write in the change
 * journal ({@link changedSince}): one small item per batch (≈ 0.03 write units per partner), which
 * tells the model preview which partners to read afresh on top of the current run's snapshot.
 *
 * An upsert that changes nothing (same fields and metrics; `asOf` may advance) keeps the partner's
 * `updatedAt`: a second, conditional write puts the old value back, so an identical daily sync
 * leaves scores exact and the ranking not stale. A delete replaces the item with a tombstone
 * (`deletedAt`, `asOf` = the delete's time or the partner's `asOf` when that is later, `expiresAt` in
 * {@link TOMBSTONE_TTL_DAYS}): the stale guard then refuses upserts not newer than the tombstone,
 * a newer one creates the partner afresh, and reads skip it.
 */
export class DynamoPartnerStore implements PartnerStore {
  private readonly concurrency: number;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoPartnerStoreOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 32;
    this.now = options.now ?? Date.now;
  }

  async upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]> {
    // Writes to one id run in request order (later wins); different ids run concurrently.
    const byId = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byId.get(item.id);
      if (list) list.push(i);
      else byId.set(item.id, [i]);
    });
    const outcomes = new Array<UpsertOutcome>(items.length);
    if (byId.size > 0) await this.journal([...byId.keys()]);
    await mapWithConcurrency([...byId.values()], this.concurrency, async (indexes) => {
      for (const i of indexes) outcomes[i] = await this.upsertOne(items[i] as PartnerUpsert);
    });
    if (outcomes.some((o) => o.status === 'created' || o.status === 'updated')) await this.markChanged();
    return outcomes;
  }

  async get(id: string): Promise<PartnerRecord | null> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.partner(id), ConsistentRead: true }),
    );
    return output.Item && !isTombstone(output.Item) ? toPartnerRecord(output.Item) : null;
  }

  async delete(id: string): Promise<boolean> {
    const nowMs = this.now();
    const deletedAt = new Date(nowMs).toISOString();
    // The tombstone's `asOf` is the later of the delete's time and the partner's own `asOf` (rows
    // may be dated up to a day ahead): data no newer than what the partner held stays deleted.
    let asOf = deletedAt;
    await this.journal([id]);
    for (;;) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.partner(id),
              id,
              deletedAt,
              asOf,
              updatedAt: deletedAt,
              expiresAt: Math.floor(nowMs / 1000) + TOMBSTONE_TTL_DAYS * 86_400,
            },
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(#deletedAt) AND #asOf <= :asOf',
            ExpressionAttributeNames: { '#deletedAt': DELETED_AT, '#asOf': 'asOf' },
            ExpressionAttributeValues: { ':asOf': asOf },
          }),
        );
        break;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // Unknown, deleted already, or dated after `asOf`: read which (an upsert may move it meanwhile).
      const { Item: stored } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.partner(id), ConsistentRead: true }),
      );
      if (!stored || isTombstone(stored)) return false;
      asOf = stored.asOf as string;
    }
    await this.markChanged();
    return true;
  }

  async *readShard(shard: number): AsyncIterable<PartnerRecord[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: `attribute_not_exists(${DELETED_AT})`,
        // A run must see every write acknowledged before it started.
        ConsistentRead: true,
        ExpressionAttributeValues: { ':pk': keys.partnerShardPk(shard) },
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map(toPartnerRecord);
    }
  }

  async *readScorable(shard: number, metrics: readonly string[]): AsyncIterable<ScorablePartner[]> {
    const names: Record<string, string> = { '#id': 'id', '#asOf': 'asOf', '#deleted': DELETED_AT };
    // One placeholder per stored attribute (DynamoDB refuses overlapping projection paths).
    [...new Set(metrics.map(normalizeName))].forEach((metric, i) => {
      names[`#m${i}`] = `${METRIC_ATTRIBUTE_PREFIX}${metric}`;
    });
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'attribute_not_exists(#deleted)',
        // Only what scoring reads: a third of an item's bytes, for half the read units (eventually consistent).
        ProjectionExpression: Object.keys(names)
          .filter((name) => name !== '#deleted')
          .join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': keys.partnerShardPk(shard) },
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map((item) => ({
        id: item.id as string,
        asOf: item.asOf as string,
        metrics: metricsOf(item),
      }));
    }
  }

  /**
   * Ids of the partners whose writes were journaled at or after `since` (ISO-8601), deduplicated.
   * An entry is written BEFORE its batch's writes, stamped with the writer's clock, so a write that
   * lands at time t has an entry stamped at or before t, and at most one function timeout (plus
   * clock skew) before it: a reader that wants every write after t asks from t minus that margin.
   * It may name partners that did not change (an unchanged or stale upsert, a write that failed):
   * reading those afresh is harmless. Strongly consistent.
   */
  async changedSince(since: string): Promise<string[]> {
    return readChangeJournal(this.client, this.tableName, since);
  }

  /**
   * What scoring needs of the named partners (id, `asOf`, the named metrics), strongly consistent,
   * 100 keys per BatchGetItem; deleted and unknown partners are left out.
   */
  async readScorableByIds(ids: readonly string[], metrics: readonly string[]): Promise<ScorablePartner[]> {
    const names: Record<string, string> = { '#id': 'id', '#asOf': 'asOf', '#deleted': DELETED_AT };
    [...new Set(metrics.map(normalizeName))].forEach((metric, i) => {
      names[`#m${i}`] = `${METRIC_ATTRIBUTE_PREFIX}${metric}`;
    });
    const batches: string[][] = [];
    for (let start = 0; start < ids.length; start += 100) batches.push(ids.slice(start, start + 100));
    const found: ScorablePartner[] = [];
    await mapWithConcurrency(batches, 16, async (batch) => {
      const items = await batchGetAll(
        this.client,
        this.tableName,
        batch.map((id) => keys.partner(id)),
        // Throttled keys are asked again for as long as it takes: a run needs every partner.
        { consistent: true, attributes: names, baseDelayMs: 50, maxRetries: Number.POSITIVE_INFINITY },
      );
      for (const item of items) {
        if (isTombstone(item)) continue;
        found.push({ id: item.id as string, asOf: item.asOf as string, metrics: metricsOf(item) });
      }
    });
    return found;
  }

  /** Records that partners changed after the current run (read by the rankings as `stale`). */
  async markChanged(): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.partnersChanged, changedAt: new Date(this.now()).toISOString() },
      }),
    );
  }

  /** Journals the ids a batch is about to write (before writing them; see {@link changedSince}). */
  private async journal(ids: readonly string[]): Promise<void> {
    await writeChangeJournal(this.client, this.tableName, ids, this.now());
  }

  /**
   * Sent as a low-level `UpdateItemCommand` with the few string and number values marshalled here:
   * an import is bound by the SDK's CPU cost per request, and skipping the document client's
   * marshalling middleware took a 10,000-upsert probe from ~1,660 to ~2,080 writes/s in a
   * one-off probe (docs/csv-import.md, "Import speed"). Same request, same guarantees.
   */
  private async upsertOne(upsert: PartnerUpsert): Promise<UpsertOutcome> {
    const now = new Date(this.now()).toISOString();
    const { expression, names, values } = upsertExpression(upsert, now);
    const key = keys.partner(upsert.id);
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          UpdateExpression: expression,
          // Equal `asOf` re-applies to a partner, but only newer data revives a deleted one.
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_not_exists(#deletedAt) AND #asOf <= :asOf) OR #asOf < :asOf',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const stored = output.Attributes ? fromAttributeValues(output.Attributes) : null;
      const oldItem = stored && !isTombstone(stored) ? stored : null;
      const old = oldItem ? toPartnerRecord(oldItem) : null;
      let partner = merge(old, upsert, now);
      const status: UpsertStatus =
        old === null ? 'created' : sameData(old, partner) ? 'unchanged' : 'updated';
      if (status === 'unchanged' && old) {
        await this.keepUpdatedAt(key, now, old.updatedAt);
        partner = { ...partner, updatedAt: old.updatedAt };
      }
      return {
        id: upsert.id,
        status,
        partner,
        previousSource: (oldItem?.source as string | undefined) ?? null,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { id: upsert.id, status: 'stale', partner: null };
      }
      throw error;
    }
  }

  /**
   * Puts back the `updatedAt` an unchanged upsert moved, unless another write came in since (its
   * stamp is no longer `written`). Lost, it only makes the partner read provisional until the next run.
   */
  private async keepUpdatedAt(key: { pk: string; sk: string }, written: string, old: string): Promise<void> {
    await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          UpdateExpression: 'SET #updatedAt = :old',
          ConditionExpression: '#updatedAt = :written',
          ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':old': { S: old }, ':written': { S: written } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}
