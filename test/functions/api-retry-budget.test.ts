import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_MAX_ATTEMPTS } from '#functions/dependencies.ts';
import { type DynamoServer, startDynamoServer } from '#infra/local/dynamo-server.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';

// The HTTP functions as Lambda builds them (dependencies from the environment) against a DynamoDB-API
// server that throttles every data-plane call: the read gives up after API_MAX_ATTEMPTS attempts,
// so the caller gets its 503 within a few seconds of backoff, not after API Gateway's timeout.

let dir: string;
let server: DynamoServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'api-retry-'));
  server = await startDynamoServer({
    path: path.join(dir, 'db'),
    port: 0,
    host: '127.0.0.1',
    throttlePercent: 100,
  });
  Object.assign(process.env, {
    TABLE_NAME: 'partner-scoring',
    BUCKET_NAME: 'partner-scoring-local',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${server.port}`,
    CURSOR_SECRET: 'test-cursor-secret-0123456789',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a DynamoDB call throttled on every attempt is a 503 after API_MAX_ATTEMPTS attempts', async () => {
  const { handler } = await import('#functions/query-api.ts');
  const response = parseResponse(
    await handler(
      httpEvent('GET /imports/{importId}', { pathParameters: { importId: 'i1' } }),
      lambdaContext(),
    ),
  );
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('2');
  expect(await server.close()).toEqual({ calls: API_MAX_ATTEMPTS, throttled: API_MAX_ATTEMPTS });
});
