import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { runSoak } from '../../bench/support/soak-traffic.ts';

// The short soak: `npm start`'s entry with 10 % of DynamoDB calls throttled, 30 s of mixed traffic
// (upserts, deletes, imports with bad rows, reads, rescores, a model change), then the end state
// against the oracle of acknowledged writes. `npm run bench -- soak` is the long version.

let dataDir: string;
let stack: StackProcess;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'soak-test-'));
  stack = await startStackProcess(dataDir, {
    RESCORE_CRON: '0 2 31 2 *',
    DYNAMODB_THROTTLE_PERCENT: '10',
    SHUTDOWN_GRACE_MS: '5000',
  });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('30 s of mixed traffic under 10 % throttling: no 5xx but throttle 503s, nothing lost, every run and import finished', async () => {
  const dynamo = /^\s+DynamoDB API\s+(http:\/\/\S+)\s+table\s+(\S+)/m.exec(stack.output());
  const client = createDocumentClient({
    endpoint: dynamo?.[1] ?? '',
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const runs = new DynamoRunStore(client, dynamo?.[2] ?? '');
  const report = await runSoak({
    apiUrl: stack.apiUrl,
    durationMs: 30_000,
    writers: 4,
    partnersPerWriter: 15,
    readers: 1,
    rescoreEveryMs: 8_000,
    seed: 7,
    runFailureReason: async (runId) => (await runs.getRun(runId))?.error,
    log: () => undefined,
  });
  client.destroy();
  await stack.stop();
  const throttling = /DynamoDB throttling: (\d+) of (\d+) data-plane calls/.exec(stack.output());

  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({
    errors5xx: 0,
    lost: 0,
    statusMismatches: 0,
    rankingMismatches: 0,
    unexpected4xx: 0,
    importsUnfinished: 0,
    runsUnfinished: 0,
  });
  expect(report.writes).toBeGreaterThan(100);
  expect(report.imports).toBeGreaterThan(1);
  expect(report.runsCompleted).toBeGreaterThan(1);
  // The injection really throttled: about 10 % of the data-plane calls.
  expect(Number(throttling?.[1])).toBeGreaterThan(0.05 * Number(throttling?.[2]));
}, 300_000);
