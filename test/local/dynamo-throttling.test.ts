import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterEach, describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '#core/concurrency.ts';
import { createTableInput } from '#core/table.ts';
import { type DynamoServer, startDynamoServer } from '#infra/local/dynamo-server.ts';
import { readLocalSettings } from '#infra/local/settings.ts';

// DYNAMODB_THROTTLE_PERCENT: npm start's DynamoDB-API server refuses a share of the data-plane calls
// as DynamoDB does when throttling, and the SDK's own retries carry the writes through.

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let dir: string;
let server: DynamoServer | undefined;

async function start(throttlePercent: number) {
  dir = await mkdtemp(path.join(tmpdir(), 'dynamo-throttle-'));
  server = await startDynamoServer({
    path: path.join(dir, 'db'),
    port: 0,
    host: '127.0.0.1',
    throttlePercent,
  });
  return `http://127.0.0.1:${server.port}`;
}

/** Stops the server (once) and returns its call counts. */
async function stop() {
  const stats = await server?.close();
  server = undefined;
  return stats;
}

afterEach(async () => {
  await stop();
  await rm(dir, { recursive: true, force: true });
});

describe('injected DynamoDB throttling', () => {
  it('answers data-plane calls with a ThrottlingException the SDK recognises, and leaves the control plane alone', async () => {
    const endpoint = await start(100);
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await client.send(new CreateTableCommand(createTableInput('throttled')));
    await client.send(new DescribeTableCommand({ TableName: 'throttled' }));
    const error = await client
      .send(new GetItemCommand({ TableName: 'throttled', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }))
      .catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as ThrottlingException).$metadata.httpStatusCode).toBe(400);
    expect(await stop()).toEqual({ calls: 1, throttled: 1 });
  });

  it('at 30 %, every write goes through the SDK retries and is stored once', async () => {
    const endpoint = await start(30);
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials,
        // The SDK's standard strategy with millisecond backoff, so the test does not wait out ~100 throttles.
        // 25 attempts: a call refused 25 times in a row has odds 0.3^25 (about 1e-13). With 10, a
        // 400-call test fails once in ~400 runs (0.3^10 per call), and a CI run did.
        retryStrategy: new ConfiguredRetryStrategy(25, () => 5),
      }),
    );
    await client.send(new CreateTableCommand(createTableInput('partners')));
    const ids = Array.from({ length: 200 }, (_, i) => `p${i}`);
    await mapWithConcurrency(ids, 8, async (id) => {
      await client.send(new PutCommand({ TableName: 'partners', Item: { pk: id, sk: 'x', value: id } }));
    });
    const read = await mapWithConcurrency(ids, 8, async (id) => {
      const output = await client.send(new GetCommand({ TableName: 'partners', Key: { pk: id, sk: 'x' } }));
      return output.Item?.value;
    });
    client.destroy();
    expect(read).toEqual(ids);
    const stats = await stop();
    // 400 calls succeeded; each throttled one was retried: calls = 400 + throttled, ~30 % of them throttled.
    expect(stats?.calls).toBe(400 + (stats?.throttled ?? 0));
    expect((stats?.throttled ?? 0) / (stats?.calls ?? 1)).toBeGreaterThan(0.2);
    expect((stats?.throttled ?? 0) / (stats?.calls ?? 1)).toBeLessThan(0.4);
  });

  it('reads DYNAMODB_THROTTLE_PERCENT for npm start (default 0) and names it when wrong', () => {
    expect(readLocalSettings({}).dynamoThrottlePercent).toBe(0);
    expect(readLocalSettings({ DYNAMODB_THROTTLE_PERCENT: '10' }).dynamoThrottlePercent).toBe(10);
    expect(readLocalSettings({ DYNAMODB_THROTTLE_PERCENT: '2.5' }).dynamoThrottlePercent).toBe(2.5);
    for (const bad of ['150', '-1', 'ten', '100.5']) {
      expect(() => readLocalSettings({ DYNAMODB_THROTTLE_PERCENT: bad })).toThrow(
        /DYNAMODB_THROTTLE_PERCENT/,
      );
    }
  });
});
