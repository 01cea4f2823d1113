/**
 * Bench part `import` (contract §8): a 100,000-row CSV through the real import path (S3 event →
 * import function → s3rver stream → csv-parse → conditional UpdateItems into dynalite, which runs in
 * a child process so it does not share the importer's event loop), against plain BatchWriteItem of
 * the same items into the same server; the write units it consumes; and the peak RSS of a
 * 1,000,000-row file parsed and validated through the same streaming path (in a fresh process, so
 * earlier parts' heaps do not count). BENCH_IMPORT_ROWS scales the first two down.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import S3rver from 's3rver';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { batchPutAll } from '#core/adapters/dynamo-batch-writer.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore, METRIC_ATTRIBUTE_PREFIX } from '#core/adapters/dynamo-partner-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { keys } from '#core/keys.ts';
import type { RescoreRequester } from '#core/ports.ts';
import { createTableInput } from '#core/table.ts';
import { createHandler } from '#functions/import-csv.ts';
import { lambdaContext, s3Event } from '../test/support/events.ts';
import type { RssJob } from './import-rss-job.ts';
import { startDynaliteProcess } from './support/dynalite-process.ts';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const RSS_ROWS = 1_000_000;
/** UpdateItems in flight during the import; the baseline keeps as many BatchWriteItems in flight. */
const CONCURRENCY = Number(process.env.BENCH_IMPORT_CONCURRENCY ?? 16);
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';
const METRICS = ['sales', 'transactions', 'reputation', 'communicationFrequency', 'commonCustomers'];

export async function run(): Promise<Record<string, number>> {
  const dynamo = await startDynaliteProcess();
  const s3Dir = await mkdtemp(path.join(tmpdir(), 'bench-s3-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const s3Endpoint = `http://127.0.0.1:${((await s3rver.run()) as AddressInfo).port}`;
  const s3 = createS3Client({ endpoint: s3Endpoint, region, credentials, forcePathStyle: true });
  const units = { write: 0 };
  const client = createDocumentClient({ endpoint: dynamo.endpoint, region, credentials });
  countWriteUnits(client, units);
  try {
    const bucket = 'bench-imports';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const importTable = await createTable(dynamo.endpoint, 'bench-import');
    const baselineTable = await createTable(dynamo.endpoint, 'bench-batch');

    // 1. The real import path, from the S3 event on.
    const key = 'imports/bench.csv';
    const eTag = await upload(s3, bucket, key, ROWS);
    const partners = new DynamoPartnerStore(client, importTable, { concurrency: CONCURRENCY });
    const rescore: RescoreRequester = { request: async () => ({ runId: 'bench', status: 'running' }) };
    const handler = createHandler(() => ({
      partners,
      imports: new DynamoImportStore(client, importTable),
      objects: new S3ObjectStore(s3, bucket),
      models: new DynamoModelStore(client, importTable),
      rescore,
      invoker: { invokeAsync: async () => undefined },
      importFunctionName: 'import-csv',
    }));
    units.write = 0;
    const importStart = performance.now();
    const importerCpu = process.cpuUsage();
    const serverCpu = dynamo.cpuSeconds();
    await handler(s3Event({ bucket, key, eTag }), lambdaContext('import-csv', 900_000));
    const importSeconds = (performance.now() - importStart) / 1000;
    const importerCpuEnd = process.cpuUsage(importerCpu);
    const importerCpuPct = ((importerCpuEnd.user + importerCpuEnd.system) / 1e6 / importSeconds) * 100;
    const serverCpuPct = ((dynamo.cpuSeconds() - serverCpu) / importSeconds) * 100;
    const importUnits = units.write;
    const record = await new DynamoImportStore(client, importTable).get('bench');
    if (record?.status !== 'completed' || record.rowsImported !== ROWS) {
      throw new Error(`bench import did not complete: ${JSON.stringify(record)}`);
    }

    // 2. Baseline: the same items, prebuilt in memory, with BatchWriteItem (25 per request).
    const items = Array.from({ length: ROWS }, (_, i) => partnerItem(i));
    const batchStart = performance.now();
    const batchServerCpu = dynamo.cpuSeconds();
    await batchPutAll(client, baselineTable, items, { concurrency: CONCURRENCY });
    const batchSeconds = (performance.now() - batchStart) / 1000;
    const batchServerCpuPct = ((dynamo.cpuSeconds() - batchServerCpu) / batchSeconds) * 100;

    // 3. Peak RSS of a 1,000,000-row file through the same streaming path, in a fresh process.
    const rssKey = 'imports/bench-rss.csv';
    const rssTag = await upload(s3, bucket, rssKey, RSS_ROWS);
    const peakRssMb = await measureRssInChild({
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint,
      table: importTable,
      bucket,
      key: rssKey,
      eTag: rssTag,
      rows: RSS_ROWS,
    });

    const rowsPerSec = ROWS / importSeconds;
    return {
      'import.rowsPerSec': rowsPerSec,
      'import.vsBatchWrite': rowsPerSec / (ROWS / batchSeconds),
      'import.wruPerPartner': importUnits / ROWS,
      // Where the time goes (% of one core, during each phase): the import sends one conditional
      // UpdateItem per row and is bound by the SDK's per-request CPU in the importer; the baseline
      // sends one request per 25 items and is bound by dynalite (docs/csv-import.md).
      'import.importerCpuPct': importerCpuPct,
      'import.serverCpuPct': serverCpuPct,
      'import.batchServerCpuPct': batchServerCpuPct,
      'import.peakRssMb': peakRssMb,
    };
  } finally {
    client.destroy();
    s3.destroy();
    await s3rver.close();
    await rm(s3Dir, { recursive: true, force: true });
    await dynamo.stop();
  }
}

/** Row `i` of the generated file: an id, a name, a type, a region and the five metrics. */
function csvRow(i: number): string {
  return `P${String(i).padStart(7, '0')},Partner ${i},${i % 3 === 0 ? 'Reseller' : 'Referral'},${['EU', 'NA', 'APAC'][i % 3]},${(i * 7919) % 100000},${(i * 31) % 5000},${(i % 50) / 10},${i % 30},${i % 200}\n`;
}

/** The item the import writes for row `i`, for the BatchWriteItem baseline. */
function partnerItem(i: number): Record<string, unknown> {
  const id = `P${String(i).padStart(7, '0')}`;
  const [, , , , ...values] = csvRow(i).trim().split(',');
  const now = new Date().toISOString();
  return {
    ...keys.partner(id),
    id,
    name: `Partner ${i}`,
    type: i % 3 === 0 ? 'Reseller' : 'Referral',
    region: ['EU', 'NA', 'APAC'][i % 3],
    asOf: now,
    updatedAt: now,
    source: `bench/0123456789abcdef0123456789abcdef#${i + 2}`,
    ...Object.fromEntries(
      METRICS.map((m, j) => [`${METRIC_ATTRIBUTE_PREFIX}${m.toLowerCase()}`, Number(values[j])]),
    ),
  };
}

/** Streams a generated CSV of `rows` rows into s3rver (never the whole file in memory); returns its ETag. */
async function upload(s3: ReturnType<typeof createS3Client>, bucket: string, key: string, rows: number) {
  async function* lines(): AsyncGenerator<string> {
    yield `id,name,type,region,${METRICS.join(',')}\n`;
    let batch = '';
    for (let i = 0; i < rows; i++) {
      batch += csvRow(i);
      if (i % 1000 === 999) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  await new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: Readable.from(lines()), ContentType: 'text/csv' },
  }).done();
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return (head.ETag ?? '').replaceAll('"', '');
}

/** Adds `ReturnConsumedCapacity: TOTAL` to every request and sums the write units the server reports. */
function countWriteUnits(client: ReturnType<typeof createDocumentClient>, units: { write: number }): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      if (/^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '')) return result;
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
        CapacityUnits?: number;
      }[];
      units.write += list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      return result;
    },
    { step: 'initialize', name: 'countWriteUnits' },
  );
}

async function createTable(endpoint: string, name: string): Promise<string> {
  const raw = new DynamoDBClient({ endpoint, region, credentials });
  await raw.send(new CreateTableCommand(createTableInput(name)));
  raw.destroy();
  return name;
}

/** Runs `import-rss-job.ts` in a child process and returns the peak RSS it reports. */
async function measureRssInChild(job: RssJob): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'import-rss-job.ts')],
    {
      cwd: process.cwd(),
      env: { ...process.env, BENCH_IMPORT_RSS_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  const line = output.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{'))
    throw new Error(`RSS measurement failed (exit ${code}): ${output}`);
  return (JSON.parse(line) as { peakRssMb: number }).peakRssMb;
}
