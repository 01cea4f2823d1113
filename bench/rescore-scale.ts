import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { S3RunFiles } from '#core/adapters/s3-run-files.ts';
import { mapWithConcurrency } from '#core/concurrency.ts';
import { keys, PARTNER_SHARDS } from '#core/keys.ts';
import { normalizeName } from '#core/names.ts';
import type { PartnerRecord } from '#core/ports.ts';
import {
  type DecodedColumnFile,
  decodeColumnFile,
  encodeColumnFile,
  runFileKeys,
} from '#core/runs/run-files.ts';
import { type RescoreRunDeps, RUN_SLICES } from '#core/runs/run-plan.ts';
import { readSlice } from '#functions/rescore/steps/read.ts';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { generatePartners } from '../samples/generate-partners.ts';
import { DirRunFiles } from './support/dir-run-files.ts';

/**
 * Generated partners of one slice, as the partner store would page them. Their data is a day old, as a
 * nightly run finds it: a fixed date aged past the worklist's `staleWarnDays` and made the 1M run open
 * a `STALE` item for every partner.
 */
async function* slicePartners(slice: number, count: number): AsyncIterable<PartnerRecord[]> {
  const asOf = new Date(Date.now() - 86_400_000).toISOString();
  const sample = generatePartners(count, slice + 1);
  for (let start = 0; start < sample.length; start += 1000) {
    yield sample.slice(start, start + 1000).map((p) => ({
      id: `s${slice}-${p.id}`,
      name: p.name,
      type: p.type,
      region: p.region,
      metrics: Object.fromEntries(Object.entries(p.metrics).map(([name, v]) => [normalizeName(name), v])),
      asOf,
      updatedAt: asOf,
    }));
  }
}

/** One run of `bench/rescore-score-job.ts`: time, threads used and peak RSS. */
export interface ScoringJobResult {
  ms: number;
  threads: number;
  peakRssMb: number;
}

/**
 * The central scoring step on `partners` generated partners: the read slices write their snapshot
 * parts (in this process, timed per slice), then `scoreRun` runs alone in a child process, which
 * reports its time, threads and peak RSS: once with the scoring threads the machine gives
 * (`SCORING_THREADS` or the cores), once with `SCORING_THREADS=1`, so that the algorithm and the
 * hardware can be told apart.
 */
export async function scoreAtScale(partners: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-score-'));
  try {
    const perSlice = Math.ceil(partners / RUN_SLICES);
    const plan = {
      runId: 'bench-10m',
      startedAt: '2026-11-30T02:00:00.000Z',
      modelVersion: 1,
      previousRunId: null,
    };
    const { DEFAULT_MODEL } = await import('#core/model/presets.ts');
    let readMs = 0;
    for (let slice = 0; slice < RUN_SLICES; slice++) {
      const deps = {
        files: new DirRunFiles(dir),
        models: { getVersion: async () => DEFAULT_MODEL },
        partners: { readShard: () => slicePartners(slice, perSlice) },
      } as unknown as RescoreRunDeps;
      const t0 = performance.now();
      await readSlice(deps, plan, slice);
      readMs += performance.now() - t0;
    }
    const threaded = await scoringJob(dir, plan.runId, {});
    const oneThread = await scoringJob(dir, plan.runId, { SCORING_THREADS: '1' });
    // Generating the partners is part of readMs: the slice rate is a lower bound of the real one.
    return { ...threaded, oneThread, readSliceMs: readMs / RUN_SLICES, perSlice };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function scoringJob(
  dir: string,
  runId: string,
  env: Record<string, string>,
): Promise<ScoringJobResult> {
  const job = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'rescore-score-job.ts'),
        dir,
        runId,
      ],
      { maxBuffer: 1 << 20, timeout: 30 * 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
  return JSON.parse(job.trim().split('\n').at(-1) ?? '{}') as ScoringJobResult;
}

/** The local stack's bucket in the 1M run (the preview job reads the run's places files there). */
const BUCKET = 'bench-run1m';

/** Peak resident memory of a process (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/**
 * One run of `partners` partners through the local stack's workflow: `npm start`'s entry in a child
 * process, partners written straight into its DynamoDB-API server (BatchWriteItem of stored items,
 * so loading is not what is measured), then `POST /rescore` until the run completes. Then
 * `POST /model/preview` on those partners through the preview-api function's entry, alone in a child
 * process against the stack's servers (`bench/preview-job.ts`): its time and peak RSS.
 */
export async function runThroughLocalStack(partners: number) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-run1m-'));
  const stack = await startStackProcess(dataDir, {
    RESCORE_CRON: '0 2 31 2 *',
    SHUTDOWN_GRACE_MS: '1000',
    BUCKET_NAME: BUCKET,
  });
  try {
    const endpoint = /^\s+DynamoDB API\s+(http:\/\/\S+)/m.exec(stack.output())?.[1];
    const table = /table\s+(\S+)/.exec(stack.output())?.[1] ?? 'partner-scoring';
    if (!endpoint) throw new Error('the stack did not print its DynamoDB endpoint');
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const loadStart = performance.now();
    const perSlice = Math.ceil(partners / RUN_SLICES);
    for (let slice = 0; slice < RUN_SLICES; slice++) {
      const batches: WriteRequest[][] = [];
      let batch: WriteRequest[] = [];
      for await (const page of slicePartners(slice, perSlice)) {
        for (const p of page) {
          const key = keys.partner(p.id);
          const item: Record<string, { S: string } | { N: string }> = {
            pk: { S: key.pk },
            sk: { S: key.sk },
            id: { S: p.id },
            name: { S: p.name },
            asOf: { S: p.asOf },
            updatedAt: { S: p.updatedAt },
          };
          if (p.type) item.type = { S: p.type };
          if (p.region) item.region = { S: p.region };
          for (const [metric, value] of Object.entries(p.metrics)) item[`m_${metric}`] = { N: String(value) };
          batch.push({ PutRequest: { Item: item } });
          if (batch.length === 25) {
            batches.push(batch);
            batch = [];
          }
        }
      }
      if (batch.length > 0) batches.push(batch);
      await mapWithConcurrency(batches, 16, async (requests) => {
        let pending: WriteRequest[] | undefined = requests;
        while (pending && pending.length > 0) {
          const output: { UnprocessedItems?: Record<string, WriteRequest[]> } = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
          );
          pending = output.UnprocessedItems?.[table];
        }
      });
    }
    client.destroy();
    console.log(
      `  loaded ${partners} partners into npm start in ${Math.round(performance.now() - loadStart)} ms`,
    );
    const t0 = performance.now();
    const started = (await (await fetch(`${stack.apiUrl}/rescore`, { method: 'POST' })).json()) as {
      runId: string;
    };
    for (;;) {
      const run = (await (await fetch(`${stack.apiUrl}/runs/${started.runId}`)).json()) as { status: string };
      if (run.status === 'completed') break;
      if (run.status !== 'running')
        throw new Error(`the run ended ${run.status}:\n${stack.output().slice(-2000)}`);
      await sleep(500);
    }
    const seconds = (performance.now() - t0) / 1000;
    const rss = stack.child.pid === undefined ? 0 : await peakRssMb(stack.child.pid);
    const preview = await runPreviewJob(endpoint, stack.s3Endpoint, table);
    await doubleCurrentRun(endpoint, stack.s3Endpoint, table, started.runId);
    const preview2 = await runPreviewJob(endpoint, stack.s3Endpoint, table);
    return { seconds, peakRssMb: rss, preview, preview2 };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Makes the current run twice as large for the preview (2M from a 1M run, which would take twice the
 * local stack's time to run): a run `<runId>-x2` whose snapshot and places parts hold each partner
 * twice (the copy under the id with `~2` appended, same metrics and tier), and points the current-run
 * pointer at it. The preview reads only the pointer, these files and the change journal.
 */
async function doubleCurrentRun(dynamoEndpoint: string, s3Endpoint: string, table: string, runId: string) {
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const s3 = createS3Client({ endpoint: s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  const files = new S3RunFiles(s3, BUCKET);
  const doubled = `${runId}-x2`;
  const twice = <T extends Float64Array | Uint32Array | Int32Array>(column: T): T => {
    const out = new (column.constructor as new (n: number) => T)(column.length * 2);
    out.set(column);
    out.set(column, column.length);
    return out;
  };
  const double = <M extends { ids: string[] }>(file: DecodedColumnFile<M>, texts: string[]) => {
    const { ids } = file.meta;
    const columns = Object.fromEntries(
      Object.entries(file.columns)
        .filter(([name]) => !name.includes(':'))
        .map(([name, column]) => [name, twice(column as Float64Array)]),
    );
    const meta = { ...file.meta, ids: [...ids, ...ids.map((id) => `${id}~2`)] };
    const names = texts.length > 0 ? { names: [...texts, ...texts] } : undefined;
    return encodeColumnFile({ meta, columns, texts: names });
  };
  await mapWithConcurrency(
    Array.from({ length: PARTNER_SHARDS }, (_, shard) => shard),
    4,
    async (shard) => {
      for (const key of [runFileKeys.snapshot, runFileKeys.places]) {
        const file = decodeColumnFile<{ ids: string[] }>((await files.get(key(runId, shard))) as Uint8Array);
        const names = key === runFileKeys.snapshot ? file.text('names') : [];
        await files.put(key(doubled, shard), double(file, names));
      }
    },
  );
  s3.destroy();
  const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials });
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: keys.currentRun.pk }, sk: { S: keys.currentRun.sk } },
      UpdateExpression: 'SET runId = :runId',
      ExpressionAttributeValues: { ':runId': { S: doubled } },
    }),
  );
  client.destroy();
}

/** `bench/preview-job.ts` in a child process with the environment the CDK stack gives preview-api. */
async function runPreviewJob(dynamoEndpoint: string, s3Endpoint: string, table: string) {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'preview-job.ts')],
      {
        env: {
          ...process.env,
          TABLE_NAME: table,
          BUCKET_NAME: BUCKET,
          S3_FORCE_PATH_STYLE: 'true',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
          AWS_ENDPOINT_URL_S3: s3Endpoint,
        },
        maxBuffer: 1 << 20,
        timeout: 10 * 60_000,
      },
      (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    coldMs: number;
    coldCpuMs: number;
    warmCpuMs: number;
    warmMs: number;
    partners: number;
    source: string;
    changedPartners: number;
    peakRssMb: number;
  };
}
