import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { DynamoQualityStore } from '#core/adapters/dynamo-quality-store.ts';
import { DynamoRankingStore } from '#core/adapters/dynamo-ranking-store.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { DynamoWorklistStore } from '#core/adapters/dynamo-worklist-store.ts';
import type { DeliveredEvent } from '#core/adapters/ndjson-event-sink.ts';
import { NdjsonEventSink } from '#core/adapters/ndjson-event-sink.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { S3RunFiles } from '#core/adapters/s3-run-files.ts';
import type { FunctionInvoker } from '#core/ports.ts';
import { RunRequester } from '#core/runs/run-requester.ts';
import { createHandler as createIngestHandler } from '#functions/ingest-api.ts';
import { createHandler as createPreviewHandler } from '#functions/preview-api.ts';
import { createHandler as createQueryHandler } from '#functions/query-api.ts';
import {
  createHandler as createRescoreHandler,
  type RescoreDeps,
  type RescoreResult,
} from '#functions/rescore/handler.ts';
import { ROUTES, type RouteKey, type RouteSpec, routeKey } from '#functions/routes.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';
import { runDurable } from '#test/support/durable.ts';
import { type HttpEventOptions, httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';
import type { LocalServers } from '#test/support/local-servers.ts';

/**
 * The service's three functions wired to one fresh table on the local servers, with a clock that
 * a test can move forward, an NDJSON event file, and an in-process invoker that queues rescore invocations until
 * {@link Harness.drain} runs them through the rescore handler (as Lambda would, later).
 */
export async function createHarness(
  servers: LocalServers,
  options: { client?: DynamoDBDocumentClient } = {},
) {
  const table = await servers.createTable();
  const bucket = await servers.createBucket();
  const client = options.client ?? servers.documentClient;
  const dir = await mkdtemp(path.join(tmpdir(), 'rescore-'));
  const eventsFile = path.join(dir, 'events.ndjson');
  // Real time (the partner store stamps writes with it) plus an offset a test can move forward.
  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;
  const queued: unknown[] = [];
  // Lambda joins an invoke to the execution of the same name: one invocation per name.
  const executionNames = new Set<string>();
  const invoker: FunctionInvoker = {
    invokeAsync: async (_name, payload, options) => {
      if (options?.executionName !== undefined) {
        if (executionNames.has(options.executionName)) return;
        executionNames.add(options.executionName);
      }
      queued.push(payload);
    },
  };
  const partners = new DynamoPartnerStore(client, table);
  const models = new DynamoModelStore(client, table, { cacheMs: 0, now });
  const runs = new DynamoRunStore(client, table);
  const rankings = new DynamoRankingStore(client, table);
  const signer = new HmacCursorSigner(async () => 'test-cursor-secret-0123456789');
  const requester = new RunRequester({ runs, models, invoker, rescoreFunctionName: 'rescore', now });
  const events = new NdjsonEventSink(eventsFile);
  // Mutable, so a test can swap a dependency for a faulty one.
  const files = new S3RunFiles(servers.s3Client, bucket);
  const worklist = new DynamoWorklistStore(client, table);
  const quality = new DynamoQualityStore(client, table);
  const rescoreDeps: RescoreDeps = {
    partners,
    models,
    runs,
    rankings,
    events,
    files,
    requester,
    worklist,
    quality,
    now,
  };

  const imports = new DynamoImportStore(client, table, { now });
  const objects = new S3ObjectStore(servers.s3Client, bucket);
  // The audit trail on the servers' own client: a test that injects faults into `client` counts the
  // calls of the writes it faults (test/functions/audit.test.ts covers a failing audit write).
  const audit = new DynamoAuditStore(servers.documentClient, table);
  const ingest = createIngestHandler(() => ({
    partners,
    models,
    runs,
    imports,
    objects,
    requester,
    worklist,
    audit,
    now,
  }));
  const query = createQueryHandler(() => ({
    partners,
    models,
    runs,
    rankings,
    signer,
    imports,
    objects,
    worklist,
    quality,
    audit,
    now,
  }));
  const preview = createPreviewHandler(() => ({ partners, models, runs, rankings, files, now }));
  const handlers = { 'ingest-api': ingest, 'query-api': query, 'preview-api': preview };
  // Steps retried as on AWS, but 1 s apart rather than 2–18 s.
  const rescore = createRescoreHandler(() => rescoreDeps, {
    maxAttempts: 3,
    initialDelay: { seconds: 1 },
    backoffRate: 1,
  });

  /** Calls a route through its function; the response must match docs/openapi.json. */
  const call = async <T = Record<string, unknown>>(route: RouteKey, init: HttpEventOptions = {}) => {
    const served = (ROUTES as readonly RouteSpec[]).find((spec) => routeKey(spec) === route)?.function;
    if (served === undefined || served === 'web-console' || served === 'leads-api')
      throw new Error(`the harness serves no ${route}`);
    const handler = handlers[served];
    const response = parseResponse<T>(
      await handler(httpEvent({ routeKey: route, ...init }), lambdaContext()),
    );
    assertDocumentedResponse(route, response);
    return response;
  };

  return {
    table,
    bucket,
    client,
    clock,
    queued,
    partners,
    models,
    runs,
    rankings,
    requester,
    rescoreDeps,
    files,
    worklist,
    quality,
    audit,
    /** The rescore function's durable handler (run it with `runDurable`). */
    rescoreHandler: rescore,
    /** Runs the rescore function's durable execution for `event` to its end; throws if it failed. */
    async rescore(event: unknown): Promise<RescoreResult> {
      const { result, status } = await runDurable<RescoreResult>(rescore, event);
      if (status !== 'SUCCEEDED') {
        const error = result.getError();
        throw new Error(`rescore execution ${status}: ${error.errorMessage ?? ''}`);
      }
      return result.getResult() as RescoreResult;
    },
    call,
    /** Runs every queued rescore invocation (and those they queue) through the rescore handler. */
    async drain(): Promise<RescoreResult[]> {
      const results: RescoreResult[] = [];
      while (queued.length > 0) results.push(await this.rescore(queued.shift()));
      return results;
    },
    /** Upserts partners through `POST /partners`, 1,000 per request. */
    async upsert(items: readonly Record<string, unknown>[]): Promise<void> {
      for (let start = 0; start < items.length; start += 1000) {
        const response = await call('POST /partners', {
          body: { partners: items.slice(start, start + 1000) },
        });
        if (response.status !== 200) throw new Error(`upsert failed: ${JSON.stringify(response.body)}`);
      }
    },
    /** `POST /rescore`, then the run it queued. */
    async runNow(): Promise<string> {
      const response = await call<{ runId: string }>('POST /rescore');
      await this.drain();
      return response.body.runId;
    },
    async events(): Promise<DeliveredEvent[]> {
      const text = await readFile(eventsFile, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DeliveredEvent);
    },
    async dispose(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
