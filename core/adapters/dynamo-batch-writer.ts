import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Items per BatchWriteItem request (the DynamoDB maximum). */
const BATCH_SIZE = 25;

export interface BatchPutOptions {
  /** Requests in flight at once. */
  concurrency?: number;
  /** Rounds of retrying `UnprocessedItems` before giving up. */
  maxRetries?: number;
  /** Base of the exponential backoff, in ms (full jitter). */
  baseDelayMs?: number;
}

/**
 * Puts every item with BatchWriteItem, 25 per request and `concurrency` requests in flight;
 * `UnprocessedItems` are re-sent with exponential backoff and full jitter, so nothing is dropped.
 * Throws when items remain unprocessed after `maxRetries` rounds.
 */
export async function batchPutAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  { concurrency = 8, maxRetries = 10, baseDelayMs = 25 }: BatchPutOptions = {},
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const start = next;
      next += BATCH_SIZE;
      await putBatch(client, tableName, items.slice(start, start + BATCH_SIZE), maxRetries, baseDelayMs);
    }
  };
  const workers = Math.max(1, Math.min(concurrency, Math.ceil(items.length / BATCH_SIZE)));
  await Promise.all(Array.from({ length: workers }, worker));
}

async function putBatch(
  client: DynamoDBDocumentClient,
  tableName: string,
  batch: readonly Record<string, unknown>[],
  maxRetries: number,
  baseDelayMs: number,
): Promise<void> {
  let requests = batch.map((item) => ({ PutRequest: { Item: item } }));
  for (let attempt = 0; ; attempt++) {
    const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
    const unprocessed = output.UnprocessedItems?.[tableName] ?? [];
    if (unprocessed.length === 0) return;
    if (attempt >= maxRetries) {
      throw new Error(`${unprocessed.length} items still unprocessed after ${maxRetries} retries`);
    }
    requests = unprocessed as typeof requests;
    const cap = baseDelayMs * 2 ** attempt;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
  }
}
