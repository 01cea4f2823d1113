import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { MetadataBearer } from '@smithy/types';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { keys, PARTNER_SHARDS } from '#core/keys.ts';
import type { PartnerUpsert, UpsertOutcome } from '#core/ports.ts';
import { stopDurableRunner } from '#test/support/durable.ts';
import { faultyClient } from '#test/support/dynamo-faults.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from './import-harness.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
});

/** A deterministic pseudo-random sequence (LCG), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function throttling(): Error & MetadataBearer {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ThrottlingException',
    $fault: 'client' as const,
    $metadata: { httpStatusCode: 400 },
  });
}

it('imports 20,000 rows exactly once while DynamoDB throttles 10% of calls and loses 5% of responses', async () => {
  // The SDK's standard retry strategy (retry quota included), with millisecond instead of
  // half-second backoff so the test does not wait out thousands of throttles.
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: servers.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      retryStrategy: new ConfiguredRetryStrategy(12, (attempt) => Math.random() * 2 ** attempt),
    }),
  );
  const next = random(42);
  const faults = { before: 0, after: 0 };
  // Inside the SDK's retry middleware: a throttled call is retried by the SDK's own backoff; a
  // response lost after the write makes the SDK send the same write again.
  client.middlewareStack.add(
    (handler) => async (args) => {
      if (next() < 0.1) {
        faults.before++;
        throw throttling();
      }
      const result = await handler(args);
      if (next() < 0.05) {
        faults.after++;
        throw throttling();
      }
      return result;
    },
    { step: 'finalizeRequest', name: 'injectThrottling' },
  );
  let store = null as unknown as DynamoPartnerStore;
  const h = await importHarness(servers, {
    partners: (_, table) => {
      store = new DynamoPartnerStore(client, table);
      return store;
    },
  });
  const rows = Array.from({ length: 20_000 }, (_, i) => `f${i},${i},${i % 7}`);
  await h.importFile('imports/faults.csv', `id,sales,reputation\n${rows.join('\n')}\n`);

  expect(faults.before).toBeGreaterThan(1000);
  expect(faults.after).toBeGreaterThan(500);
  expect(await h.imports.get('faults')).toMatchObject({
    status: 'completed',
    rowsTotal: 20_000,
    rowsImported: 20_000,
    rowsRejected: 0,
    warnings: [],
  });
  const seen = new Map<string, Record<string, number>>();
  for (let shard = 0; shard < PARTNER_SHARDS; shard++) {
    for await (const page of store.readShard(shard)) for (const p of page) seen.set(p.id, p.metrics);
  }
  expect(seen.size).toBe(20_000);
  for (let i = 0; i < 20_000; i += 997) expect(seen.get(`f${i}`)).toEqual({ sales: i, reputation: i % 7 });
  client.destroy();
}, 300_000);

/** A DynamoDB service error as the SDK throws it. */
function serviceError(name: string, message: string): Error & MetadataBearer {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client' as const,
    $metadata: { httpStatusCode: 400 },
  });
}

/**
 * A store that behaves like DynamoDB refusing one item of a batch: the other items are written,
 * then the call fails with ValidationException. `throttleOnce` fails the first call with a
 * retryable ThrottlingException before writing anything.
 */
class RefusingPartnerStore extends DynamoPartnerStore {
  throttleOnce = false;
  override async upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]> {
    if (this.throttleOnce) {
      this.throttleOnce = false;
      throw serviceError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
    }
    const refused = items.filter((item) => item.id.startsWith('refused'));
    const outcomes = await super.upsert(items.filter((item) => !item.id.startsWith('refused')));
    if (refused.length > 0) {
      throw serviceError('ValidationException', 'One or more parameter values were invalid');
    }
    return outcomes;
  }
}

it('a row the database refuses for good (ValidationException) is a row error; the import completes', async () => {
  const h = await importHarness(servers, {
    partners: (client, table) => new RefusingPartnerStore(client, table),
  });
  const rows = Array.from({ length: 50 }, (_, i) => (i % 20 === 7 ? `refused${i},${i}` : `r${i},${i}`));
  await h.importFile('imports/refused.csv', `id,sales\n${rows.join('\n')}\n`);
  const record = await h.imports.get('refused');
  expect(record).toMatchObject({ status: 'completed', rowsTotal: 50, rowsImported: 47, rowsRejected: 3 });
  expect(record?.errors).toEqual(
    [9, 29, 49].map((line) => ({
      line,
      column: null,
      message: "the database refused the row's values; the row was not applied",
    })),
  );
  expect(await h.partners.get('refused7')).toBeNull();
  expect((await h.partners.get('r49'))?.metrics).toEqual({ sales: 49 });
  expect(h.rescoreRequests).toEqual(['import']);
});

it('a retryable write error (throttling) fails the step attempt, and the step retry completes the import', async () => {
  let store = null as unknown as RefusingPartnerStore;
  const h = await importHarness(servers, {
    partners: (client, table) => {
      store = new RefusingPartnerStore(client, table);
      return store;
    },
  });
  store.throttleOnce = true;
  const { runner } = await h.importFile('imports/throttled.csv', 'id,sales\na,1\nb,2\n');
  expect(runner.getOperation('rows-0').getStepDetails()?.attempt).toBe(2);
  expect(await h.imports.get('throttled')).toMatchObject({
    status: 'completed',
    rowsImported: 2,
    rowsRejected: 0,
  });
  expect((await h.partners.get('b'))?.metrics).toEqual({ sales: 2 });
});

it('a claim whose write landed but whose step failed after it finds its own claim on the retry: the import completes', async () => {
  // The claim's record write succeeds, then the log entry write fails once (a connection lost
  // before the SDK could retry it): the claim step fails after its conditional put.
  let failed = 0;
  const h = await importHarness(servers, {
    imports: (_, table) =>
      new DynamoImportStore(
        faultyClient(servers, (command, input) => {
          if (
            command === 'PutItemCommand' &&
            JSON.stringify(input).includes(keys.importLogPk) &&
            failed === 0
          ) {
            failed++;
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          }
        }),
        table,
      ),
  });
  const rows = Array.from({ length: 30 }, (_, i) => `c${i},${i}`);
  const { runner } = await h.importFile('imports/claimed.csv', `id,sales\n${rows.join('\n')}\n`);
  expect(failed).toBe(1);
  expect(runner.getOperation('claim').getStepDetails()?.attempt).toBe(2);
  expect(await h.imports.get('claimed')).toMatchObject({ status: 'completed', rowsImported: 30 });
  expect(h.rescoreRequests).toEqual(['import']);
  // The retry wrote the log entry the first attempt lost: GET /imports lists the import.
  const { body } = await h.call<{ items: { importId: string }[] }>('GET /imports');
  expect(body.items.map((item) => item.importId)).toEqual(['claimed']);
});

it('an error retrying cannot cure fails the import at once, with the reason in its record', async () => {
  // DynamoDB refuses the chunk's commit for good (the record over 400 KB, say): no step retry.
  const h = await importHarness(servers, {
    imports: (_, table) =>
      new DynamoImportStore(
        faultyClient(servers, (command, input) => {
          const commit = String(input.ConditionExpression ?? '').includes('chunks = :chunk');
          if (command === 'UpdateItemCommand' && commit) {
            throw serviceError('ValidationException', 'Item size has exceeded the maximum allowed size');
          }
        }),
        table,
      ),
    retry: { maxAttempts: 10 },
  });
  const started = Date.now();
  const error = await h.importFile('imports/refused-commit.csv', 'id,sales\na,1\nb,2\n').catch((e) => e);
  expect(String(error)).toMatch(/FAILED: Item size has exceeded/);
  // One attempt, not ten a second apart.
  expect(Date.now() - started).toBeLessThan(5_000);
  const record = await h.imports.get('refused-commit');
  expect(record?.status).toBe('failed');
  expect(record?.errors[0]).toEqual({
    line: 1,
    column: null,
    message: expect.stringMatching(/^the import stopped at this line .*Item size has exceeded the maximum/),
  });
});
