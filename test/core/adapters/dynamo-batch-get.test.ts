import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { batchGetAll } from '#core/adapters/dynamo-batch-get.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

/**
 * A client on the local server whose first `rounds` BatchGetItem answers process only the first
 * key and hand the others back as UnprocessedKeys (as DynamoDB does when throttled): the local
 * server never does.
 */
function deferringClient(rounds: number) {
  const client = createDocumentClient({
    endpoint: servers.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const requests: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
      const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
      if (!table || !request) return next(args);
      requests.push(request.Keys.length);
      if (requests.length > rounds || request.Keys.length < 2) return next(args);
      const [first, ...rest] = request.Keys;
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: { ...request, Keys: [first] } } },
      });
      const output = result.output as { UnprocessedKeys?: Record<string, unknown> };
      output.UnprocessedKeys = { [table]: { ...request, Keys: rest } };
      return result;
    },
    { step: 'initialize', name: 'deferKeys' },
  );
  return { client, requests };
}

describe('batchGetAll', () => {
  it('asks again for UnprocessedKeys until every item is read', async () => {
    const table = await servers.createTable();
    const keys = ['a', 'b', 'c'].map((id) => ({ pk: 'T', sk: id }));
    for (const key of keys) {
      await servers.documentClient.send(new PutCommand({ TableName: table, Item: { ...key, v: key.sk } }));
    }
    const { client, requests } = deferringClient(2);
    const items = await batchGetAll(client, table, [...keys, { pk: 'T', sk: 'missing' }], {
      consistent: true,
      baseDelayMs: 1,
    });
    expect(items.map((item) => item.v).sort()).toEqual(['a', 'b', 'c']);
    expect(requests).toEqual([4, 3, 2]);
  });

  it('gives up after maxRetries rounds, saying how many keys are left', async () => {
    const table = await servers.createTable();
    const { client } = deferringClient(Number.POSITIVE_INFINITY);
    const keys = ['a', 'b', 'c'].map((id) => ({ pk: 'T', sk: id }));
    await expect(batchGetAll(client, table, keys, { maxRetries: 1, baseDelayMs: 1 })).rejects.toThrow(
      '1 keys still unprocessed after 1 retries',
    );
  });

  it('refuses more keys than one request takes', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => ({ pk: 'T', sk: String(i) }));
    await expect(batchGetAll(servers.documentClient, 'any', keys)).rejects.toThrow('at most 100 keys');
  });
});
