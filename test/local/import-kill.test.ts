import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, expect, it } from 'vitest';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { normalizeName } from '#core/names.ts';
import { scorePopulation, toColumns } from '#core/scoring/index.ts';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { generatePartners, seededRandom, toCsv } from '../../samples/generate-partners.ts';

/**
 * A crash is a SIGKILL (rule 4): `npm start` imports a 50,000-row upload while its whole process
 * group is killed at seeded random moments and started again each time, with no other action.
 * The import must finish with exact counts, and the run it requests must rank exactly as the
 * scoring core ranks the same data.
 */

const ROWS = 50_000;
const SEED = Number(process.env.KILL_TEST_SEED ?? 20261130);
const KILLS = 3;
const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '2000' };
const BUCKET = 'partner-scoring-local';

let dataDir: string | undefined;
let stack: StackProcess | undefined;

afterAll(async () => {
  await stack?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function get<T>(route: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${(stack as StackProcess).apiUrl}${route}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Waits until the upload's import is `processing` (its notification handled, rows being written). */
async function untilProcessing(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await get<ImportBody>('/imports/kill')).body.status !== 'processing') {
    if (Date.now() > deadline) throw new Error('the import did not start processing within 60 s');
    await sleep(100);
  }
}

interface ImportBody {
  status: string;
  rowsTotal: number;
  rowsImported: number;
  rowsRejected: number;
}

it(`imports ${ROWS} rows exactly once through ${KILLS} SIGKILLs of npm start (seed ${SEED}), then ranks them`, async () => {
  const partners = generatePartners(ROWS, SEED);
  const csv = toCsv(partners);
  dataDir = await mkdtemp(path.join(tmpdir(), 'import-kill-'));
  const random = seededRandom(SEED);

  stack = await startStackProcess(dataDir, env);
  const s3 = createS3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/kill.csv', Body: csv }));
  s3.destroy();

  const killedAt: string[] = [];
  let killedMidImport = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    if (kill === 0) {
      // Anywhere from right after the upload (its notification maybe not handled yet) into the file.
      await sleep(Math.floor(random() * 3_000));
    } else {
      // A seeded random moment while the import is being processed (its rows being written).
      await untilProcessing();
      await sleep(Math.floor(random() * 2_000));
    }
    const seen = await get<ImportBody>('/imports/kill');
    killedAt.push(`${seen.body.status ?? 'no record'} at ${seen.body.rowsTotal ?? 0} rows`);
    await stack.kill();
    stack = await startStackProcess(dataDir, env);
    // The kill landed mid-import when the import was processing before it and is not done after it.
    const after = await get<ImportBody>('/imports/kill');
    if (after.body.status === 'completed') break;
    if (seen.body.status === 'processing') killedMidImport++;
  }
  // Not a test of restarts alone: at least one SIGKILL cut the import off while it was processing.
  expect(killedMidImport, `killed: ${killedAt.join('; ')}`).toBeGreaterThan(0);

  let record: ImportBody | undefined;
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const response = await get<ImportBody>('/imports/kill');
    record = response.body;
    if (response.status === 200 && ['completed', 'failed'].includes(record.status)) break;
    await sleep(250);
  }
  expect(record, `killed: ${killedAt.join('; ')}`).toMatchObject({
    status: 'completed',
    rowsTotal: ROWS,
    rowsImported: ROWS,
    rowsRejected: 0,
  });

  let run: { status: string; partners: number; startedAt: string; runId: string } | undefined;
  while (Date.now() < deadline) {
    const response = await get<typeof run>('/runs/latest');
    run = response.body;
    if (response.status === 200 && run?.status === 'completed' && run.partners === ROWS) break;
    await sleep(250);
  }
  expect(run).toMatchObject({ status: 'completed', partners: ROWS });

  const expected = scorePopulation(
    DEFAULT_MODEL,
    toColumns(
      DEFAULT_MODEL,
      partners.map((p) => ({
        id: p.id,
        asOf: (run as { startedAt: string }).startedAt,
        metrics: Object.fromEntries(Object.entries(p.metrics).map(([name, v]) => [normalizeName(name), v])),
      })),
    ),
    { runTimeMs: Date.parse((run as { startedAt: string }).startedAt) },
  );
  const ranked: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await get<{ runId: string; items: { id: string }[]; nextCursor: string | null }>(
      `/rankings?limit=500${query}`,
    );
    expect(page.body.runId).toBe(run?.runId);
    ranked.push(...page.body.items.map((item) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(ranked).toEqual(Array.from(expected.order, (i) => partners[i]?.id));
}, 420_000);
