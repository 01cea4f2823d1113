import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from '../keys.ts';

/** Keys per BatchGetItem request (the DynamoDB maximum). */
export const BATCH_GET_SIZE = 100;

export interface BatchGetOptions {
  /** Strongly consistent reads (one read unit per 4 KB instead of half). */
  consistent?: boolean;
  /** Only these attributes (a projection's names, `#`-prefixed, to their attribute names). */
  attributes?: Record<string, string>;
  /** Rounds of retrying `UnprocessedKeys` before giving up. */
  maxRetries?: number;
  /** Base of the exponential backoff, in ms (full jitter). */
  baseDelayMs?: number;
  /** Longest wait between two rounds, in ms. */
  maxDelayMs?: number;
}

/**
 * The items of at most {@link BATCH_GET_SIZE} keys of one table, in one BatchGetItem request when
 * DynamoDB processes them all; `UnprocessedKeys` (throttled, or past the 16 MB response) are asked
 * again with exponential backoff and full jitter, as AWS advises. Items come in no particular order;
 * a key without an item has none. Throws when keys remain unprocessed after `maxRetries` rounds.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  {
    consistent = false,
    attributes,
    maxRetries = 10,
    baseDelayMs = 25,
    maxDelayMs = 2_000,
  }: BatchGetOptions = {},
): Promise<Record<string, NativeAttributeValue>[]> {
  if (keys.length > BATCH_GET_SIZE) {
    throw new Error(`batchGetAll takes at most ${BATCH_GET_SIZE} keys; got ${keys.length}`);
  }
  const projection = attributes && {
    ProjectionExpression: Object.keys(attributes).join(', '),
    ExpressionAttributeNames: attributes,
  };
  const items: Record<string, NativeAttributeValue>[] = [];
  let pending: Record<string, unknown>[] = keys.map((key) => ({ ...key }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > maxRetries) {
      throw new Error(`${pending.length} keys still unprocessed after ${maxRetries} retries`);
    }
    if (attempt > 0) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt)),
      );
    }
    const output = await client.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent, ...projection } },
      }),
    );
    items.push(...(output.Responses?.[tableName] ?? []));
    pending = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return items;
}
