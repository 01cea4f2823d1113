import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { DynamoQualityStore } from '#core/adapters/dynamo-quality-store.ts';
import { DynamoRankingStore } from '#core/adapters/dynamo-ranking-store.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { DynamoWorklistStore } from '#core/adapters/dynamo-worklist-store.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import type { ImportOptions } from '#core/imports/import-limits.ts';
import type { ImportOutcome } from '#core/imports/import-state.ts';
import type { RescoreReason, RescoreRequester } from '#core/ports.ts';
import { createHandler, type ImportFunctionDeps } from '#functions/import-csv/handler.ts';
import { createHandler as createIngestHandler } from '#functions/ingest-api.ts';
import { createHandler as createQueryHandler } from '#functions/query-api.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';
import { runDurable } from '#test/support/durable.ts';
import {
  type HttpEventOptions,
  httpEvent,
  lambdaContext,
  parseResponse,
  s3Event,
} from '#test/support/events.ts';
import type { LocalServers } from '#test/support/local-servers.ts';

/**
 * The import function wired to a fresh table and bucket on the local servers, run as a durable
 * execution under the durable SDK's local runner. Rescore requests are recorded instead of sent.
 */
export async function importHarness(
  servers: LocalServers,
  overrides: {
    options?: Partial<ImportOptions>;
    retry?: ImportFunctionDeps['stepRetry'];
    /** Builds the partner store (tests wrap the real one to count or fail writes). */
    partners?: (client: LocalServers['documentClient'], table: string) => DynamoPartnerStore;
    /** Builds the import store (tests give it a client that injects faults). */
    imports?: (client: LocalServers['documentClient'], table: string) => DynamoImportStore;
  } = {},
) {
  const table = await servers.createTable();
  const bucket = await servers.createBucket();
  const client = servers.documentClient;
  const partners = overrides.partners?.(client, table) ?? new DynamoPartnerStore(client, table);
  const imports = overrides.imports?.(client, table) ?? new DynamoImportStore(client, table);
  const objects = new S3ObjectStore(servers.s3Client, bucket);
  const models = new DynamoModelStore(client, table);
  const rescoreRequests: RescoreReason[] = [];
  const rescore: RescoreRequester = {
    request: async (reason) => {
      rescoreRequests.push(reason);
      return { runId: 'run-1', status: 'running' };
    },
  };
  const audit = new DynamoAuditStore(client, table);
  const deps: ImportFunctionDeps = {
    partners,
    imports,
    objects,
    models,
    rescore,
    audit,
    ...(overrides.options ? { options: overrides.options } : {}),
    // The production policy's backoff, 1 s apart instead of 5 s to 5 minutes.
    stepRetry: { maxAttempts: 5, initialDelay: { seconds: 1 }, backoffRate: 1, ...overrides.retry },
  };
  const handler = createHandler(() => deps);
  const runs = new DynamoRunStore(client, table);
  const worklist = new DynamoWorklistStore(client, table);
  const http = {
    partners,
    models,
    runs,
    imports,
    objects,
    requester: rescore,
    worklist,
    quality: new DynamoQualityStore(client, table),
    audit,
    now: Date.now,
  };
  const ingest = createIngestHandler(() => http);
  const query = createQueryHandler(() => ({
    ...http,
    rankings: new DynamoRankingStore(client, table),
    signer: new HmacCursorSigner(async () => 'test-cursor-secret-0123456789'),
  }));

  /** Runs one durable execution for `event` to its end: its outcomes, or an error if it failed. */
  const invoke = async (event: S3Event) => {
    const execution = await runDurable<ImportOutcome[]>(handler, event);
    if (execution.status !== 'SUCCEEDED') {
      const error = execution.result.getError();
      throw new Error(`import execution ${execution.status}: ${error.errorMessage ?? ''}`);
    }
    return execution;
  };

  return {
    table,
    bucket,
    partners,
    imports,
    objects,
    models,
    audit,
    worklist,
    deps,
    rescoreRequests,
    /** Uploads `content` under `key` and returns the S3 event for it (not yet delivered). */
    async upload(key: string, content: string | Buffer) {
      const output = await servers.s3Client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentType: 'text/csv' }),
      );
      return s3Event({ bucket, key, eTag: (output.ETag ?? '').replaceAll('"', ''), size: content.length });
    },
    invoke,
    /** Calls a route of the HTTP API (ingest-api for writes, query-api for reads), checked against docs/openapi.json. */
    async call<T = Record<string, unknown>>(routeKey: string, options: HttpEventOptions = {}) {
      const fn = routeKey.startsWith('GET ') ? query : ingest;
      const response = parseResponse<T>(
        (await fn(httpEvent(routeKey, options), lambdaContext())) ?? undefined,
      );
      assertDocumentedResponse(routeKey, response);
      return response;
    },
    /** Uploads and delivers the event. */
    async importFile(key: string, content: string | Buffer) {
      return invoke(await this.upload(key, content));
    },
    async readObject(key: string): Promise<string> {
      const { body } = await objects.read(bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
