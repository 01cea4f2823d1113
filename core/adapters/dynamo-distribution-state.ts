import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import {
  COUNTER_SHARDS,
  type CounterShard,
  type DistributionHead,
  type Transition,
} from '../leads/lead-store.ts';
import { BATCH_GET_SIZE, batchGetAll } from './dynamo-batch-get.ts';
import {
  compactDecisions,
  decodeEntries,
  decodeRecent,
  encodeEntries,
  encodeRecent,
  expandDecisions,
} from './lead-items.ts';
import { getItem, isConditionFailure, type LeadTable, ttlOf } from './lead-table.ts';

/** The head of a period's distribution state; null before its first decision. */
export async function getHead(table: LeadTable, period: string): Promise<DistributionHead | null> {
  const item = await getItem(table, keys.distributionHead(period));
  if (!item) return null;
  return {
    period,
    version: Number(item.version),
    runId: typeof item.runId === 'string' ? item.runId : null,
    accumulators: JSON.parse(String(item.accumulators ?? '{}')) as Record<string, number>,
    pending: item.pending ? (JSON.parse(String(item.pending), expandDecisions) as Transition) : null,
    recent: decodeRecent(item.recent),
  };
}

/** Writes a head if the stored version is `expected` (null: none stored yet); false when it is not. */
export async function putHead(
  table: LeadTable,
  head: DistributionHead,
  expected: number | null,
): Promise<boolean> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.distributionHead(head.period),
          version: head.version,
          runId: head.runId,
          // JSON text: cohort keys hold any characters, and numbers keep every bit.
          accumulators: JSON.stringify(head.accumulators),
          pending: head.pending ? JSON.stringify(head.pending, compactDecisions) : null,
          recent: encodeRecent(head.recent),
          expiresAt: ttlOf(table),
        },
        ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : 'version = :expected',
        ...(expected === null ? {} : { ExpressionAttributeValues: { ':expected': expected } }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The counter shards of a period (`only` these numbers, default all), read consistently in batches. */
export async function readShards(
  table: LeadTable,
  period: string,
  only?: readonly number[],
): Promise<Map<number, CounterShard>> {
  const shards = new Map<number, CounterShard>();
  const numbers = only ?? Array.from({ length: COUNTER_SHARDS }, (_, shard) => shard);
  const all = numbers.map((shard) => keys.distributionShard(period, shard));
  const batches: (typeof all)[] = [];
  for (let i = 0; i < all.length; i += BATCH_GET_SIZE) batches.push(all.slice(i, i + BATCH_GET_SIZE));
  await Promise.all(
    batches.map(async (batch) => {
      for (const item of await batchGetAll(table.client, table.tableName, batch, { consistent: true })) {
        const shard = Number(String(item.pk).split('#').at(-1));
        shards.set(shard, { applied: Number(item.applied), entries: decodeEntries(item.e as Uint8Array) });
      }
    }),
  );
  return shards;
}

/** Writes a counter shard unless the stored one has applied as many transitions already. */
export async function writeShard(
  table: LeadTable,
  period: string,
  shard: number,
  state: CounterShard,
): Promise<void> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.distributionShard(period, shard),
          applied: state.applied,
          e: encodeEntries(state.entries),
          expiresAt: ttlOf(table),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR applied < :applied',
        ExpressionAttributeValues: { ':applied': state.applied },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
