/**
 * Bench part `import` (contract §8): a 100,000-row CSV through the real import path (S3 event →
 * the durable import function under the durable SDK's local runner → s3rver stream → csv-parse →
 * conditional UpdateItems into dynalite, which runs in a child process so it does not share the
 * importer's event loop), against the best rate of the same conditional UpdateItems, prebuilt in
 * memory, through the same client into the same server (`import.vsUpdateItem`: the import's own
 * overhead); the write units it consumes; the peak RSS of a 1,000,000-row file through the same
 * streaming path (in a fresh process); and a 50,000-row upload imported by `npm start` in a child
 * process (`import.local.vsBench`). BENCH_IMPORT_ROWS scales the first two down.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import S3rver from 's3rver';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore, METRIC_ATTRIBUTE_PREFIX } from '#core/adapters/dynamo-partner-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { mapWithConcurrency } from '#core/concurrency.ts';
import { keys } from '#core/keys.ts';
import type { RescoreRequester } from '#core/ports.ts';
import { createTableInput } from '#core/table.ts';
import { createHandler } from '#functions/import-csv/handler.ts';
import { startStackProcess } from '#infra/local/stack-process.ts';
import { s3Event } from '../test/support/events.ts';
import type { RssJob } from './import-rss-job.ts';
import { startDynaliteProcess } from './support/dynalite-process.ts';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const RSS_ROWS = 1_000_000;
const LOCAL_ROWS = 50_000;
/** Requests in flight tried for the UpdateItem baseline; the best rate counts. */
const BASELINE_CONCURRENCY = [16, 32, 64];
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
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  try {
    const bucket = 'bench-imports';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const importTable = await createTable(dynamo.endpoint, 'bench-import');

    // 1. The real import path, from the S3 event on, as a durable execution.
    const key = 'imports/bench.csv';
    const eTag = await upload(s3, bucket, key, ROWS);
    const rescore: RescoreRequester = { request: async () => ({ runId: 'bench', status: 'running' }) };
    const handler = createHandler(() => ({
      partners: new DynamoPartnerStore(client, importTable),
      imports: new DynamoImportStore(client, importTable),
      objects: new S3ObjectStore(s3, bucket),
      models: new DynamoModelStore(client, importTable),
      rescore,
      audit: new DynamoAuditStore(client, importTable),
    }));
    units.write = 0;
    const importStart = performance.now();
    const importerCpu = process.cpuUsage();
    const serverCpu = dynamo.cpuSeconds();
    const execution = await new LocalDurableTestRunner({ handlerFunction: handler }).run({
      payload: s3Event({ bucket, key, eTag }),
    });
    const importSeconds = (performance.now() - importStart) / 1000;
    const importerCpuEnd = process.cpuUsage(importerCpu);
    const importerCpuPct = ((importerCpuEnd.user + importerCpuEnd.system) / 1e6 / importSeconds) * 100;
    const serverCpuPct = ((dynamo.cpuSeconds() - serverCpu) / importSeconds) * 100;
    const importUnits = units.write;
    const record = await new DynamoImportStore(client, importTable).get('bench');
    if (record?.status !== 'completed' || record.rowsImported !== ROWS) {
      throw new Error(`bench import did not complete (${execution.getStatus()}): ${JSON.stringify(record)}`);
    }

    // 2. Baseline: the same conditional UpdateItems, prebuilt in memory, same client and server.
    let baselineRate = 0;
    let baselineServerCpuPct = 0;
    for (const concurrency of BASELINE_CONCURRENCY) {
      const table = await createTable(dynamo.endpoint, `bench-update-${concurrency}`);
      const requests = Array.from({ length: ROWS }, (_, i) => updateRequest(table, i));
      const start = performance.now();
      const cpu = dynamo.cpuSeconds();
      await mapWithConcurrency(requests, concurrency, (input) => client.send(new UpdateItemCommand(input)));
      const seconds = (performance.now() - start) / 1000;
      if (ROWS / seconds > baselineRate) {
        baselineRate = ROWS / seconds;
        baselineServerCpuPct = ((dynamo.cpuSeconds() - cpu) / seconds) * 100;
      }
    }

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

    // 4. The same kind of file uploaded to `npm start` (its own dynalite thread, s3rver, trigger).
    const localRowsPerSec = await importThroughLocalStack(LOCAL_ROWS);

    const rowsPerSec = ROWS / importSeconds;
    return {
      'import.rowsPerSec': rowsPerSec,
      'import.vsUpdateItem': rowsPerSec / baselineRate,
      'import.local.rowsPerSec': localRowsPerSec,
      'import.local.vsBench': localRowsPerSec / rowsPerSec,
      'import.wruPerPartner': importUnits / ROWS,
      // Where the time goes (% of one core, during each phase): the importer's CPU (CSV, row rules,
      // SDK requests, the durable runner) and dynalite's, for the import and the best baseline.
      'import.importerCpuPct': importerCpuPct,
      'import.serverCpuPct': serverCpuPct,
      'import.updateItemServerCpuPct': baselineServerCpuPct,
      'import.peakRssMb': peakRssMb,
    };
  } finally {
    await LocalDurableTestRunner.teardownTestEnvironment();
    client.destroy();
    s3.destroy();
    await s3rver.close();
    await rm(s3Dir, { recursive: true, force: true });
    await dynamo.stop();
  }
}

/**
 * Starts `npm start`'s entry on a fresh data dir, uploads a `rows`-row file to its bucket as
 * `aws s3 cp` would, and returns rows per second from the end of the upload to `completed`.
 */
async function importThroughLocalStack(rows: number): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-local-'));
  const stack = await startStackProcess(dataDir, { RESCORE_CRON: '0 2 31 2 *' });
  const s3 = createS3Client({ endpoint: stack.s3Endpoint, region, credentials, forcePathStyle: true });
  try {
    await upload(s3, 'partner-scoring-local', 'imports/bench-local.csv', rows);
    const start = performance.now();
    for (;;) {
      const response = await fetch(`${stack.apiUrl}/imports/bench-local`);
      const body = (await response.json()) as { status?: string; rowsImported?: number };
      if (body.status === 'completed' && body.rowsImported === rows) break;
      if (body.status === 'failed' || performance.now() - start > 600_000) {
        throw new Error(`npm start did not import the file: ${JSON.stringify(body)}\n${stack.output()}`);
      }
      await sleep(50);
    }
    return rows / ((performance.now() - start) / 1000);
  } finally {
    s3.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Row `i` of the generated file: an id, a name, a type, a region and the five metrics. */
function csvRow(i: number): string {
  return `P${String(i).padStart(7, '0')},Partner ${i},${i % 3 === 0 ? 'Reseller' : 'Referral'},${['EU', 'NA', 'APAC'][i % 3]},${(i * 7919) % 100000},${(i * 31) % 5000},${(i % 50) / 10},${i % 30},${i % 200}\n`;
}

/**
 * The conditional UpdateItem the import sends for row `i` (merge of the row's values, stale-`asOf`
 * guard, old item returned for created/updated), built up front for the baseline.
 */
function updateRequest(table: string, i: number): UpdateItemCommandInput {
  const id = `P${String(i).padStart(7, '0')}`;
  const [, name, type, partnerRegion, ...metrics] = csvRow(i).trim().split(',');
  const now = new Date().toISOString();
  const names: Record<string, string> = {
    '#id': 'id',
    '#asOf': 'asOf',
    '#updatedAt': 'updatedAt',
    '#name': 'name',
    '#type': 'type',
    '#region': 'region',
    '#source': 'source',
  };
  const values: Record<string, AttributeValue> = {
    ':id': { S: id },
    ':asOf': { S: now },
    ':now': { S: now },
    ':name': { S: name ?? id },
    ':type': { S: type ?? '' },
    ':region': { S: partnerRegion ?? '' },
    ':source': { S: `bench/0123456789abcdef0123456789abcdef#${i + 2}` },
  };
  const set = Object.keys(names).map((n) => `${n} = ${n === '#updatedAt' ? ':now' : `:${n.slice(1)}`}`);
  METRICS.forEach((metric, j) => {
    names[`#m${j}`] = `${METRIC_ATTRIBUTE_PREFIX}${metric.toLowerCase()}`;
    values[`:m${j}`] = { N: String(Number(metrics[j])) };
    set.push(`#m${j} = :m${j}`);
  });
  const key = keys.partner(id);
  return {
    TableName: table,
    Key: { pk: { S: key.pk }, sk: { S: key.sk } },
    UpdateExpression: `SET ${set.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(pk) OR #asOf <= :asOf',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_OLD',
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
