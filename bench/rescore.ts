import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import S3rver from 's3rver';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { DynamoPartnerUserStore } from '#core/adapters/dynamo-partner-user-store.ts';
import { DynamoQualityStore } from '#core/adapters/dynamo-quality-store.ts';
import { DynamoRankingStore } from '#core/adapters/dynamo-ranking-store.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { DynamoWorklistStore } from '#core/adapters/dynamo-worklist-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { S3RunFiles } from '#core/adapters/s3-run-files.ts';
import { keys, RANKING_PAGE_KEYS } from '#core/keys.ts';
import { normalizeName } from '#core/names.ts';
import type { DomainEvent, FunctionInvoker } from '#core/ports.ts';
import { encodeEntries } from '#core/ranking/ranking-store.ts';
import { RunRequester } from '#core/runs/run-requester.ts';
import { createTableInput } from '#core/table.ts';
import { createHandler as createQueryHandler } from '#functions/query-api.ts';
import { createHandler as createRescoreHandler } from '#functions/rescore/handler.ts';
import { WARM_WRITE_UNITS_PER_SECOND } from '#infra/constructs/stateful-resources.ts';
import { runDurable, stopDurableRunner } from '#test/support/durable.ts';
import { httpEvent, lambdaContext } from '#test/support/events.ts';
import { generatePartners } from '../samples/generate-partners.ts';
import { runThroughLocalStack, scoreAtScale } from './rescore-scale.ts';
import { describeScoring, scoringFigures } from './score10m.ts';
import { startDynaliteProcess } from './support/dynalite-process.ts';

const PARTNERS = Number(process.env.BENCH_RESCORE_PARTNERS ?? 100_000);
const LATENCY_SAMPLES = 400;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const region = 'us-east-1';

/** Read and write units as the server reports them (ReturnConsumedCapacity TOTAL on every request). */
interface Units {
  read: number;
  write: number;
}

export async function run(): Promise<Record<string, number>> {
  const server = await startDynaliteProcess();
  const s3Dir = await mkdtemp(path.join(tmpdir(), 'bench-s3-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const s3Address = (await s3rver.run()) as AddressInfo;
  const s3Client = createS3Client({
    endpoint: `http://127.0.0.1:${s3Address.port}`,
    region,
    // s3rver's fixed credentials.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  await s3Client.send(new CreateBucketCommand({ Bucket: 'bench-rescore' }));
  const units: Units = { read: 0, write: 0 };
  // The worklist and quality stores' own client: their units count in the run's and on their own.
  const worklistUnits: Units = { read: 0, write: 0 };
  const counted = (counters: Units[]) => {
    const counting = createDocumentClient({ endpoint: server.endpoint, region, credentials });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
          CapacityUnits?: number;
        }[];
        const total = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        const read = /^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '');
        for (const counter of counters) {
          if (read) counter.read += total;
          else counter.write += total;
        }
        return result;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    return counting;
  };
  const client = counted([units]);
  const worklistClient = counted([units, worklistUnits]);
  try {
    const raw = new DynamoDBClient({ endpoint: server.endpoint, region, credentials });
    const table = 'bench-rescore';
    await raw.send(new CreateTableCommand(createTableInput(table)));
    raw.destroy();

    const partners = new DynamoPartnerStore(client, table, { concurrency: 16 });
    const models = new DynamoModelStore(client, table);
    const runs = new DynamoRunStore(client, table, 8);
    const rankings = new DynamoRankingStore(client, table, 8);
    const events = { publish: async (_: readonly DomainEvent[]) => undefined };
    const invoker: FunctionInvoker = { invokeAsync: async () => undefined };
    const requester = new RunRequester({
      runs,
      models,
      invoker,
      rescoreFunctionName: 'rescore',
      now: Date.now,
    });
    const files = new S3RunFiles(s3Client, 'bench-rescore');
    const worklist = new DynamoWorklistStore(worklistClient, table);
    const quality = new DynamoQualityStore(worklistClient, table);
    const deps = {
      partners,
      models,
      runs,
      rankings,
      events,
      files,
      requester,
      worklist,
      quality,
      now: Date.now,
    };
    const workflow = createRescoreHandler(() => deps);

    const loadStart = performance.now();
    const sample = generatePartners(PARTNERS);
    const asOf = new Date().toISOString();
    for (let start = 0; start < sample.length; start += 5_000) {
      await partners.upsert(
        sample.slice(start, start + 5_000).map((p) => ({
          id: p.id,
          name: p.name,
          type: p.type,
          region: p.region,
          metrics: Object.fromEntries(Object.entries(p.metrics).map(([name, v]) => [normalizeName(name), v])),
          asOf,
        })),
      );
    }
    console.log(`  loaded ${PARTNERS} partners in ${Math.round(performance.now() - loadStart)} ms`);

    // The first run has no previous run to read; the measured one is the nightly steady state.
    const rescore = async () => {
      const started = await requester.start(`bench-${Date.now()}`, 'manual');
      if (!started.started) throw new Error('a run is already running');
      const t0 = performance.now();
      // The rescore function's durable execution, under the durable SDK's local runner.
      const { status } = await runDurable(workflow, { runId: started.runId });
      if (status !== 'SUCCEEDED') throw new Error(`the run's execution ended ${status}`);
      return performance.now() - t0;
    };
    const firstMs = await rescore();
    // The first run opens every item (one record each); the measured one only the changes.
    const firstWorklistWru = worklistUnits.write;
    units.read = 0;
    units.write = 0;
    worklistUnits.read = 0;
    worklistUnits.write = 0;
    const cpu0 = process.cpuUsage();
    const runMs = await rescore();
    const cpu = process.cpuUsage(cpu0);
    // This process's CPU for the whole run: the workflow, the SDK clients, s3rver and the local
    // durable runner (dynalite runs in its own process). Every slice of a run shares one JS thread.
    const runCpuMs = (cpu.user + cpu.system) / 1000;
    const runUnits = { ...units };
    const runWorklistUnits = { ...worklistUnits };
    // Write units of the measured run's ranking pages, and of its `all` list (one partition key).
    const measured = await runs.latestRun();
    let pageUnits = 0;
    let allUnits = 0;
    for (const list of Object.keys(measured?.lists ?? {})) {
      for await (const page of rankings.readList(measured?.runId ?? '', list)) {
        const wru = Math.ceil((Buffer.byteLength(encodeEntries(page.entries)) + 150) / 1024);
        pageUnits += wru;
        if (list === 'all') allUnits += wru;
      }
    }
    console.log(`  first run ${Math.round(firstMs)} ms, measured run ${Math.round(runMs)} ms`);

    // The partner users' store too: the same function answers GET /me/scorecard below.
    const users = new DynamoPartnerUserStore(client, table);
    const query = createQueryHandler(() => ({
      partners,
      models,
      runs,
      rankings,
      signer: new HmacCursorSigner(async () => 'bench-cursor-secret-0123456789'),
      // The import routes of the same function; unused here.
      imports: new DynamoImportStore(client, table),
      objects: new S3ObjectStore(createS3Client({ region, credentials }), 'unused'),
      worklist,
      quality,
      audit: new DynamoAuditStore(client, table),
      users,
      now: Date.now,
    }));
    const top50 = async () => {
      const response = await query(
        httpEvent({ routeKey: 'GET /rankings', query: { limit: '50' } }),
        lambdaContext('query-api'),
      );
      if (response.statusCode !== 200)
        throw new Error(`GET /rankings: ${response.statusCode} ${response.body}`);
    };
    const someKey = keys.partner(sample[0]?.id ?? '');
    const getItem = async () => {
      await client.send(new GetCommand({ TableName: table, Key: someKey }));
    };
    for (let i = 0; i < 50; i++) {
      await top50();
      await getItem();
    }
    units.read = 0;
    await top50();
    const pageRru = units.read;
    // One page of 50 of the worklist (the measured run's), read units of the whole request.
    const worklistPage = async () => {
      const response = await query(
        httpEvent({ routeKey: 'GET /worklist', query: { limit: '50' } }),
        lambdaContext('query-api'),
      );
      if (response.statusCode !== 200)
        throw new Error(`GET /worklist: ${response.statusCode} ${response.body}`);
    };
    await worklistPage();
    units.read = 0;
    await worklistPage();
    const worklistRru = units.read;
    console.log(
      `  worklist and quality steps: first run ${firstWorklistWru} write units, measured run ${runWorklistUnits.write} (${(runWorklistUnits.write / PARTNERS).toFixed(4)} per partner); a page of 50: ${worklistRru} read units`,
    );
    const pageTimes: number[] = [];
    const getTimes: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      pageTimes.push(await time(top50));
      getTimes.push(await time(getItem));
    }
    const pageMedian = median(pageTimes);
    const getMedian = median(getTimes);
    console.log(`  top-50 median ${pageMedian.toFixed(3)} ms, GetItem median ${getMedian.toFixed(3)} ms`);

    // A partner user's GET /me/scorecard, its membership check included, through the same function.
    const member = sample[Math.floor(sample.length / 2)]?.id ?? '';
    await users.claimEmail('bench@partner.example', member);
    await users.put({
      userId: 'bench-user',
      email: 'bench@partner.example',
      partnerId: member,
      role: 'viewer',
      status: 'active',
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    const scorecardEvent = httpEvent({ routeKey: 'GET /me/scorecard' });
    Object.assign(scorecardEvent.requestContext, {
      authorizer: {
        jwt: {
          claims: {
            sub: 'bench-user',
            token_use: 'access',
            client_id: 'portal',
            'cognito:groups': '[partner-users]',
          },
          scopes: null,
        },
      },
    });
    const scorecard = async () => {
      const response = await query(scorecardEvent, lambdaContext('query-api'));
      if (response.statusCode !== 200)
        throw new Error(`GET /me/scorecard: ${response.statusCode} ${response.body}`);
    };
    for (let i = 0; i < 50; i++) await scorecard();
    units.read = 0;
    await scorecard();
    const scorecardRru = units.read;
    const scorecardTimes: number[] = [];
    const scorecardGetTimes: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      scorecardTimes.push(await time(scorecard));
      scorecardGetTimes.push(await time(getItem));
    }
    const scorecardMedian = median(scorecardTimes);
    const scorecardGetMedian = median(scorecardGetTimes);
    console.log(
      `  /me/scorecard median ${scorecardMedian.toFixed(3)} ms (${scorecardRru} read units), GetItem median ${scorecardGetMedian.toFixed(3)} ms`,
    );

    const scale =
      process.env.BENCH_RESCORE_SCALE === '0' ? {} : await atScale(runUnits, pageUnits, allUnits, runCpuMs);
    return {
      ...scale,
      'rescore.partners': PARTNERS,
      'rescore.runMs': runMs,
      'rescore.partnersPerSec': PARTNERS / (runMs / 1000),
      'rescore.wruPerPartner': runUnits.write / PARTNERS,
      'rescore.rruPerPartner': runUnits.read / PARTNERS,
      'rescore.worklistWruPerPartner': runWorklistUnits.write / PARTNERS,
      'rescore.worklistFirstRunWruPerPartner': firstWorklistWru / PARTNERS,
      'worklist.page50.rru': worklistRru,
      'rank.page50.ms': pageMedian,
      'rank.getItem.ms': getMedian,
      'rank.page50.vsGetItem': pageMedian / getMedian,
      'rank.page50.rru': pageRru,
      'portal.scorecard.ms': scorecardMedian,
      'portal.scorecard.vsGetItem': scorecardMedian / scorecardGetMedian,
      'portal.scorecard.rru': scorecardRru,
    };
  } finally {
    client.destroy();
    worklistClient.destroy();
    s3Client.destroy();
    await stopDurableRunner();
    await s3rver.close();
    await rm(s3Dir, { recursive: true, force: true });
    await server.stop();
  }
}

/** Partners of the central-scoring and local-stack figures. */
const SCORE_PARTNERS = Number(process.env.BENCH_SCORE_PARTNERS ?? 10_000_000);
const RUN_PARTNERS = Number(process.env.BENCH_RUN_PARTNERS ?? 1_000_000);
/** The plan for a run on AWS (docs/runs.md, "Scale"). */
const PLAN = {
  partners: 10_000_000,
  writeUnitsPerSecond: WARM_WRITE_UNITS_PER_SECOND,
  readUnitsPerSecond: 12_000,
  perKeyWriteUnitsPerSecond: 1_000,
  tierChangeShare: 0.02,
  putEventsMs: 30,
  publishInFlight: 8 * 4,
};

/**
 * `rescore.score10m.*`, `rescore.run1m.*` and `rescore.10m.projectedMin`: the central scoring step
 * measured on 10M generated partners, one 1M run through `npm start`, and the 10M run on AWS
 * projected from the measured slice and scoring rates, the measured units per partner and the
 * planned table throughput (arithmetic printed, and in docs/runs.md).
 */
async function atScale(runUnits: Units, pageUnits: number, allUnits: number, runCpuMs: number) {
  const scoring = await scoreAtScale(SCORE_PARTNERS);
  describeScoring(scoring, SCORE_PARTNERS);
  const local = await runThroughLocalStack(RUN_PARTNERS);
  console.log(
    `  one run of ${RUN_PARTNERS} partners through npm start: ${local.seconds.toFixed(1)} s, peak RSS ${Math.round(local.peakRssMb)} MB`,
  );
  console.log(
    `  POST /model/preview on those ${local.preview.partners} partners (preview-api's entry alone in a process): cold ${Math.round(local.preview.coldMs)} ms (CPU ${Math.round(local.preview.coldCpuMs)} ms), warm ${Math.round(local.preview.warmMs)} ms (CPU ${Math.round(local.preview.warmCpuMs)} ms), peak RSS ${Math.round(local.preview.peakRssMb)} MB, from ${local.preview.source} (${local.preview.changedPartners} changed since the run); on the run doubled to ${local.preview2.partners}: cold ${Math.round(local.preview2.coldMs)} ms, warm ${Math.round(local.preview2.warmMs)} ms, peak RSS ${Math.round(local.preview2.peakRssMb)} MB`,
  );

  const k = PLAN.partners / PARTNERS;
  // The slices of a phase run as child contexts of ONE execution, in one process: their CPU adds up.
  const readS = Math.max(
    (scoring.readSliceMs * (PLAN.partners / scoring.perSlice)) / 1000,
    (runUnits.read * k) / PLAN.readUnitsPerSecond,
  );
  // The scoring step with the threads this machine gave it (the function has ~3.5 vCPUs), and with one.
  const scoreS = (scoring.ms * (PLAN.partners / SCORE_PARTNERS)) / 1000;
  const oneThreadScoreS = (scoring.oneThread.ms * (PLAN.partners / SCORE_PARTNERS)) / 1000;
  const recordsS = ((runUnits.write - pageUnits) * k) / PLAN.writeUnitsPerSecond;
  // The largest list, `all`, is spread over RANKING_PAGE_KEYS partition keys.
  const pagesS = Math.max(
    (pageUnits * k) / PLAN.writeUnitsPerSecond,
    (allUnits * k) / RANKING_PAGE_KEYS / PLAN.perKeyWriteUnitsPerSecond,
  );
  const publishS =
    (((PLAN.partners * PLAN.tierChangeShare) / 10) * (PLAN.putEventsMs / 1000)) / PLAN.publishInFlight;
  const tableMin = (readS + scoreS + recordsS + pagesS + publishS) / 60;
  const oneThreadTableMin = tableMin + (oneThreadScoreS - scoreS) / 60;
  // The run's own CPU, scaled from the measured 100,000-partner run: the one thread must keep up too.
  const cpuMin = (runCpuMs * k) / 1000 / 60;
  const projectedMin = Math.max(tableMin, cpuMin);
  const oneThreadProjectedMin = Math.max(oneThreadTableMin, cpuMin);
  console.log(
    `  10M on AWS: read ${readS.toFixed(0)} s + score ${scoreS.toFixed(0)} s (${scoring.threads} thread(s); ${oneThreadScoreS.toFixed(0)} s on one) + records and index ${recordsS.toFixed(0)} s (${(((runUnits.write - pageUnits) * k) / 1e6).toFixed(2)} M WRU at ${PLAN.writeUnitsPerSecond}/s) + pages ${pagesS.toFixed(0)} s (${((pageUnits * k) / 1e6).toFixed(2)} M WRU; the all list ${((allUnits * k) / 1e6).toFixed(2)} M WRU over ${RANKING_PAGE_KEYS} keys at ${PLAN.perKeyWriteUnitsPerSecond}/s each) + publish ${publishS.toFixed(0)} s = ${tableMin.toFixed(1)} min; the run's CPU (${Math.round(runCpuMs)} ms for ${PARTNERS} partners) × ${k} = ${cpuMin.toFixed(1)} min; projected ${projectedMin.toFixed(1)} min (${oneThreadProjectedMin.toFixed(1)} min with one scoring thread)`,
  );
  return {
    ...scoringFigures(scoring, SCORE_PARTNERS),
    'rescore.readSlice.partnersPerSec': scoring.perSlice / (scoring.readSliceMs / 1000),
    'rescore.run1m.s': local.seconds * (1_000_000 / RUN_PARTNERS),
    'rescore.run1m.peakRssMb': local.peakRssMb,
    // The first answer, cold start included: the one API Gateway's 29 s must cover.
    'preview.1m.ms': local.preview.coldMs * (1_000_000 / RUN_PARTNERS),
    'preview.1m.warmMs': local.preview.warmMs * (1_000_000 / RUN_PARTNERS),
    'preview.1m.cpuMs': local.preview.coldCpuMs * (1_000_000 / RUN_PARTNERS),
    'preview.1m.peakRssMb': local.preview.peakRssMb,
    'preview.1m.changedPartners': local.preview.changedPartners,
    // The same preview with the run's snapshot doubled (bench/rescore-scale.ts, doubleCurrentRun).
    'preview.2m.ms': local.preview2.coldMs * (1_000_000 / RUN_PARTNERS),
    'preview.2m.warmMs': local.preview2.warmMs * (1_000_000 / RUN_PARTNERS),
    'preview.2m.peakRssMb': local.preview2.peakRssMb,
    'rescore.pageWruPerPartner': pageUnits / PARTNERS,
    'rescore.allListWruPerPartner': allUnits / PARTNERS,
    'rescore.10m.tableMin': tableMin,
    'rescore.10m.cpuMin': cpuMin,
    'rescore.10m.projectedMin': projectedMin,
    'rescore.10m.projectedMin.oneThread': oneThreadProjectedMin,
  };
}

async function time(task: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await task();
  return performance.now() - t0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
