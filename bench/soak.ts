/**
 * Bench part `soak` (issue 11): `npm start`'s entry in a child process (free ports, temp DATA_DIR,
 * 10 % of DynamoDB data-plane calls throttled by injection), driven for a fixed time with mixed
 * traffic (bench/support/soak-traffic.ts), then checked against an oracle of the acknowledged writes.
 * SOAK_SECONDS (default 180) and SOAK_THROTTLE_PERCENT (default 10) change it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { runSoak } from './support/soak-traffic.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const THROTTLE_PERCENT = process.env.SOAK_THROTTLE_PERCENT ?? '10';

export async function run(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-soak-'));
  const stack = await startStackProcess(dataDir, {
    RESCORE_CRON: '0 2 31 2 *',
    DYNAMODB_THROTTLE_PERCENT: THROTTLE_PERCENT,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // The run record's failure reason is operator-facing (never in an HTTP body): read it from the table.
  const dynamoEndpoint = /^\s+DynamoDB API\s+(http:\/\/\S+)\s+table\s+(\S+)/m.exec(stack.output());
  const documentClient = createDocumentClient({
    endpoint: dynamoEndpoint?.[1] ?? '',
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const runs = new DynamoRunStore(documentClient, dynamoEndpoint?.[2] ?? '');
  try {
    const report = await runSoak({
      apiUrl: stack.apiUrl,
      durationMs: SECONDS * 1000,
      writers: 6,
      partnersPerWriter: 25,
      readers: 2,
      rescoreEveryMs: 15_000,
      seed: 11,
      runFailureReason: async (runId) => (await runs.getRun(runId))?.error,
      log: console.log,
    });
    await stack.stop();
    const throttling = /DynamoDB throttling: (\d+) of (\d+) data-plane calls/.exec(stack.output());
    for (const problem of report.problems.slice(0, 50)) console.log(`soak problem: ${problem}`);
    if (report.problems.length > 50) console.log(`soak: ${report.problems.length - 50} more problems`);
    return {
      'soak.seconds': SECONDS,
      'soak.requests': report.requests,
      'soak.rps': report.requests / SECONDS,
      'soak.p50Ms': report.p50Ms,
      'soak.p99Ms': report.p99Ms,
      'soak.errors5xx': report.errors5xx,
      'soak.lost': report.lost,
      'soak.statusMismatches': report.statusMismatches,
      'soak.rankingMismatches': report.rankingMismatches,
      'soak.unexpected4xx': report.unexpected4xx,
      'soak.throttled503': report.throttled503,
      'soak.dynamoCalls': Number(throttling?.[2] ?? Number.NaN),
      'soak.dynamoThrottled': Number(throttling?.[1] ?? Number.NaN),
      'soak.writes': report.writes,
      'soak.imports': report.imports,
      'soak.importsUnfinished': report.importsUnfinished,
      'soak.runs': report.runs,
      'soak.runsCompleted': report.runsCompleted,
      'soak.runsUnfinished': report.runsUnfinished,
    };
  } finally {
    documentClient.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
