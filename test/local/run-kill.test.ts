import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { keys } from '#core/keys.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { normalizeName } from '#core/names.ts';
import { runFileKeys } from '#core/runs/run-files.ts';
import { toColumns } from '#core/scoring/columns.ts';
import { scorePopulation } from '#core/scoring/score-population.ts';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { callStack } from '#test/support/stack-http.ts';
import { generatePartners, seededRandom } from '../../samples/generate-partners.ts';

// A crash is a SIGKILL of `npm start`'s process group, not a thrown error (engineering guide, rule 4).
const PARTNERS = 4_000;
const KILLS = 2;
const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '2000' };
const BUCKET = 'partner-scoring-local';
const TABLE = 'partner-scoring';
const random = seededRandom(20261130);

let dataDir: string;
let stack: StackProcess | undefined;

afterAll(async () => {
  await stack?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function call(method: string, route: string, body?: unknown) {
  if (!stack) throw new Error('no stack');
  return callStack(stack.apiUrl, method, route, body);
}

async function runOf(runId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await call('GET', `/runs/${runId}`);
    if (run.status === 200 && run.body.status !== 'running') return run.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running: ${JSON.stringify(run.body)}`);
    await sleep(200);
  }
}

/** Why a run failed, from its item (the API keeps the reason to operators), with the stack's last words. */
async function failureOf(runId: string): Promise<string> {
  if (!stack) return 'no stack';
  const endpoint = /^\s+DynamoDB API\s+(http:\/\/\S+)/m.exec(stack.output())?.[1];
  const client = createDocumentClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const item = await client.send(new GetCommand({ TableName: TABLE, Key: keys.run(runId) }));
    return `run ${runId}: ${String(item.Item?.error ?? item.Item?.status)}\n${stack.output().slice(-3000)}`;
  } finally {
    client.destroy();
  }
}

/** The whole current ranking: id, tier and rank of every entry, in order. */
async function ranking(): Promise<{
  runId: string;
  items: { id: string; tier: string | null; rank: number }[];
}> {
  const items: { id: string; tier: string | null; rank: number }[] = [];
  let cursor: string | null = null;
  let runId = '';
  do {
    const page = await call(
      'GET',
      `/rankings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    runId = page.body.runId;
    items.push(...page.body.items.map((item: { id: string; tier: string | null; rank: number }) => item));
    cursor = page.body.nextCursor;
  } while (cursor);
  return { runId, items };
}

/** Waits until the run has scored (its write phase starts), watching its files through the S3 API. */
async function untilWritePhase(runId: string, timeoutMs = 120_000) {
  if (!stack) throw new Error('no stack');
  const s3 = createS3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const found = await s3
        .send(new HeadObjectCommand({ Bucket: BUCKET, Key: runFileKeys.scoreSummary(runId) }))
        .then(() => true)
        .catch(() => false);
      if (found) return;
      if (Date.now() > deadline) throw new Error(`run ${runId} never reached its write phase`);
      await sleep(50);
    }
  } finally {
    s3.destroy();
  }
}

const sample = generatePartners(PARTNERS, 11);
const asOf = '2026-11-01T00:00:00.000Z';
const upserts = (round: number) =>
  sample.map((p, i) => ({
    id: p.id,
    name: p.name,
    type: p.type,
    region: p.region,
    asOf: round === 0 ? asOf : '2026-11-02T00:00:00.000Z',
    // The second round moves a third of the partners a long way, so tiers change.
    metrics:
      round === 1 && i % 3 === 0
        ? { ...p.metrics, sales: (p.metrics.sales ?? 0) * 10 + 100_000 }
        : { ...p.metrics },
  }));

describe('npm start killed during a run', () => {
  it('completes the run by itself after restarts: the core ranking, every tier change published once', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'run-kill-'));
    stack = await startStackProcess(dataDir, env, { viaNpm: true });
    for (const round of [0, 1]) {
      const rows = upserts(round);
      for (let start = 0; start < rows.length; start += 1000) {
        const response = await call('POST', '/partners', { partners: rows.slice(start, start + 1000) });
        expect(response.status).toBe(200);
      }
      if (round === 1) break;
      // Round 0 gets a complete run: the baseline the killed run's hysteresis and events refer to.
      const first = await call('POST', '/rescore');
      expect((await runOf(first.body.runId, 120_000)).status).toBe('completed');
    }
    const previous = await ranking();
    const started = await call('POST', '/rescore');
    const runId: string = started.body.runId;
    expect(runId).not.toBe(previous.runId);

    let killedMidRun = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      await untilWritePhase(runId);
      // Seeded random points inside the write phase (a 4,000-partner write phase lasts a few seconds).
      await sleep(Math.floor(random() * 1_500));
      await stack.kill();
      stack = await startStackProcess(dataDir, env, { viaNpm: true });
      if ((await call('GET', `/runs/${runId}`)).body.status !== 'running') break;
      killedMidRun++;
      expect(stack.output()).toMatch(/resuming 1 unfinished durable execution/);
    }
    expect(killedMidRun).toBeGreaterThan(0);

    // No user action: the restarted stack resumed the run.
    const run = await runOf(runId, 180_000);
    expect(run.status, await failureOf(runId)).toBe('completed');
    const served = await ranking();
    expect(served.runId).toBe(runId);

    // The core's ranking of the data, with hysteresis against the previous run's tiers.
    const data = upserts(1).map((p) => ({
      id: p.id,
      asOf: p.asOf,
      metrics: Object.fromEntries(Object.entries(p.metrics).map(([k, v]) => [normalizeName(k), v as number])),
    }));
    const before = new Map(previous.items.map((item) => [item.id, item.tier]));
    const columns = toColumns(DEFAULT_MODEL, data);
    const scored = scorePopulation(DEFAULT_MODEL, columns, {
      runTimeMs: Date.parse(run.startedAt),
      previousTiers: columns.ids.map((id) => before.get(id) ?? null),
    });
    const expected = Array.from(scored.order, (i) => columns.ids[i] as string);
    expect(served.items.map((item) => item.id)).toEqual(expected);

    // Events: every tier change of the run once, and one RescoreCompleted. They are published after
    // the switch that completed the run, so wait for its RescoreCompleted, the last one out.
    const eventsOfRun = async () =>
      (await readFile(path.join(dataDir, 'events.ndjson'), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { 'detail-type': string; detail: { runId: string; id?: string } })
        .filter((event) => event.detail.runId === runId);
    const ofRun = await vi.waitFor(
      async () => {
        const events = await eventsOfRun();
        if (!events.some((event) => event['detail-type'] === 'RescoreCompleted')) {
          throw new Error(`no RescoreCompleted of ${runId} yet`);
        }
        return events;
      },
      { timeout: 60_000, interval: 500 },
    );
    const changes = ofRun.filter((event) => event['detail-type'] === 'PartnerTierChanged');
    const after = new Map(served.items.map((item) => [item.id, item.tier]));
    const expectedChanges = [...before].filter(([id, tier]) => tier !== null && after.get(id) !== tier);
    expect(expectedChanges.length).toBeGreaterThan(0);
    expect(changes).toHaveLength(expectedChanges.length);
    expect(new Set(changes.map((event) => event.detail.id)).size).toBe(changes.length);
    expect(ofRun.filter((event) => event['detail-type'] === 'RescoreCompleted')).toHaveLength(1);
    expect(run.tierChanges).toBe(expectedChanges.length);
    expect(await stack.stop()).toBe(0);
    stack = undefined;
  }, 600_000);
});
