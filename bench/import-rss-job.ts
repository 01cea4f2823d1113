/**
 * Child process of bench part `import`: the import workflow over the 1,000,000-row object (its
 * steps called in turn, without the durable engine, whose checkpoints are the small step results), with a
 * partner store that drops the validated rows (writing a million items would measure the server,
 * not the streaming path), sampling RSS every 20 ms. Imports the import function's module (the
 * workflow's step list lives beside its Lambda entry) and the stores it needs, not the bench
 * harness, so the figure is the function's.
 */
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import type { PartnerStore, PartnerUpsert } from '#core/ports.ts';
import { runImportWorkflow } from '#functions/import-csv/handler.ts';

/** What the parent bench hands this job (JSON in `BENCH_IMPORT_RSS_JOB`). */
export interface RssJob {
  dynamoEndpoint: string;
  s3Endpoint: string;
  table: string;
  bucket: string;
  key: string;
  eTag: string;
  rows: number;
}

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';
const job = JSON.parse(process.env.BENCH_IMPORT_RSS_JOB ?? '{}') as RssJob;

let peak = process.memoryUsage.rss();
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20);
const client = createDocumentClient({ endpoint: job.dynamoEndpoint, region, credentials });
const s3 = createS3Client({ endpoint: job.s3Endpoint, region, credentials, forcePathStyle: true });
let rows = 0;
const discard: PartnerStore = {
  upsert: async (items: readonly PartnerUpsert[]) => {
    rows += items.length;
    return items.map((item) => ({ id: item.id, status: 'created' as const, partner: null }));
  },
  get: async () => null,
  delete: async () => false,
  readShard: async function* () {},
  readScorable: async function* () {},
  changedSince: async () => [],
  readScorableByIds: async () => [],
};
const outcome = await runImportWorkflow(
  {
    source: {
      importId: 'bench-rss',
      bucket: job.bucket,
      key: job.key,
      etag: job.eTag,
      asOf: new Date().toISOString(),
    },
  },
  { executionId: 'bench-rss', step: (_, run) => run() },
  {
    partners: discard,
    imports: new DynamoImportStore(client, job.table),
    objects: new S3ObjectStore(s3, job.bucket),
    models: new DynamoModelStore(client, job.table),
    rescore: { request: async () => ({ runId: 'bench', status: 'running' }) },
  },
);
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
client.destroy();
s3.destroy();
if (outcome !== 'completed' || rows !== job.rows) throw new Error(`RSS job: ${outcome}, ${rows} rows`);
console.log(JSON.stringify({ peakRssMb: peak / 1024 / 1024 }));
