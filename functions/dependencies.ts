import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { CognitoUserDirectory } from '#core/adapters/cognito-user-directory.ts';
import { HmacCursorSigner, secretsManagerKey } from '#core/adapters/cursor-signer.ts';
import { DynamoAuditStore } from '#core/adapters/dynamo-audit-store.ts';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { DynamoLeadStore } from '#core/adapters/dynamo-lead-store.ts';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { DynamoPartnerUserStore } from '#core/adapters/dynamo-partner-user-store.ts';
import { DynamoQualityStore } from '#core/adapters/dynamo-quality-store.ts';
import { DynamoRankingStore } from '#core/adapters/dynamo-ranking-store.ts';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import { DynamoWorklistStore } from '#core/adapters/dynamo-worklist-store.ts';
import { createEventBridgeClient, EventBridgeEventSink } from '#core/adapters/eventbridge-event-sink.ts';
import { LambdaInvoker } from '#core/adapters/lambda-invoker.ts';
import { LambdaLeadCallbacks, LambdaLeadStarter } from '#core/adapters/lambda-lead-workflow.ts';
import { NdjsonEventSink } from '#core/adapters/ndjson-event-sink.ts';
import { S3ObjectStore } from '#core/adapters/s3-object-store.ts';
import { S3RunFiles } from '#core/adapters/s3-run-files.ts';
import { type Env, readEnv, required } from '#core/config.ts';
import { ConflictError } from '#core/errors.ts';
import { RankingSource } from '#core/leads/ranked-partners.ts';
import type { UserDirectory } from '#core/portal/partner-users.ts';
import type { EventSink } from '#core/ports.ts';
import { RunRequester } from '#core/runs/run-requester.ts';

/**
 * Dependencies of the Lambda entries, built from the environment once, on first use (not at module
 * load, so tests can import handlers without an environment and inject their own deps).
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

export const env = lazy((): Env => readEnv());
export const tableName = lazy(() => required(env(), 'TABLE_NAME'));
export const bucketName = lazy(() => required(env(), 'BUCKET_NAME'));

/** The workers' client (imports, runs): retries without the SDK's retry quota, so throttling is waited out. */
export const documentClient = lazy(() => createDocumentClient({ unmetered: true }));
/**
 * Attempts of the HTTP functions' DynamoDB calls. A call throttled on every attempt gives up after at
 * most 1 + 2 + 4 s of the SDK's throttling backoff, so the caller gets its 503 well inside API
 * Gateway's 29 s; the workers' 8 attempts wait ~35 s on average, past it. Imports and runs keep the
 * longer budget: nobody waits on them.
 */
export const API_MAX_ATTEMPTS = 4;
export const apiDocumentClient = lazy(() => createDocumentClient({ maxAttempts: API_MAX_ATTEMPTS }));
export const s3Client = lazy(() => createS3Client({ forcePathStyle: env().S3_FORCE_PATH_STYLE === 'true' }));

// Stores and adapters. `@__PURE__` lets esbuild drop the getters (and their SDK clients) a function never uses.
export const partnerStore = /* @__PURE__ */ lazy(() => new DynamoPartnerStore(documentClient(), tableName()));
export const modelStore = /* @__PURE__ */ lazy(() => new DynamoModelStore(documentClient(), tableName()));
export const importStore = /* @__PURE__ */ lazy(() => new DynamoImportStore(documentClient(), tableName()));
export const objectStore = /* @__PURE__ */ lazy(() => new S3ObjectStore(s3Client(), bucketName()));
export const runFiles = /* @__PURE__ */ lazy(() => new S3RunFiles(s3Client(), bucketName()));
export const functionInvoker = /* @__PURE__ */ lazy(() => new LambdaInvoker(new LambdaClient({})));
export const runStore = /* @__PURE__ */ lazy(() => new DynamoRunStore(documentClient(), tableName()));
export const rankingStore = /* @__PURE__ */ lazy(() => new DynamoRankingStore(documentClient(), tableName()));
export const worklistStore = /* @__PURE__ */ lazy(
  () => new DynamoWorklistStore(documentClient(), tableName()),
);
export const qualityStore = /* @__PURE__ */ lazy(() => new DynamoQualityStore(documentClient(), tableName()));
// The same stores on the HTTP functions' client.
export const apiWorklistStore = /* @__PURE__ */ lazy(
  () => new DynamoWorklistStore(apiDocumentClient(), tableName()),
);
export const apiQualityStore = /* @__PURE__ */ lazy(
  () => new DynamoQualityStore(apiDocumentClient(), tableName()),
);
export const apiPartnerStore = /* @__PURE__ */ lazy(
  () => new DynamoPartnerStore(apiDocumentClient(), tableName()),
);
export const apiModelStore = /* @__PURE__ */ lazy(
  () => new DynamoModelStore(apiDocumentClient(), tableName()),
);
export const apiImportStore = /* @__PURE__ */ lazy(
  () => new DynamoImportStore(apiDocumentClient(), tableName()),
);
export const apiRunStore = /* @__PURE__ */ lazy(() => new DynamoRunStore(apiDocumentClient(), tableName()));
export const apiRankingStore = /* @__PURE__ */ lazy(
  () => new DynamoRankingStore(apiDocumentClient(), tableName()),
);
export const auditStore = /* @__PURE__ */ lazy(() => new DynamoAuditStore(documentClient(), tableName()));
export const apiAuditStore = /* @__PURE__ */ lazy(
  () => new DynamoAuditStore(apiDocumentClient(), tableName()),
);
export const apiPartnerUserStore = /* @__PURE__ */ lazy(
  () => new DynamoPartnerUserStore(apiDocumentClient(), tableName()),
);
/**
 * The user pool of partner users (`USER_POOL_ID`; locally the local issuer answers its API). Without
 * one, inviting or revoking a user is a 409 that says how to set the portal up.
 */
export const userDirectory = /* @__PURE__ */ lazy((): UserDirectory => {
  const poolId = env().USER_POOL_ID;
  if (!poolId) {
    const missing = async (): Promise<never> => {
      throw new ConflictError(
        'Partner users need a user pool: deploy with -c userPoolId=… (docs/partner-access.md), or run npm start with LOCAL_AUTH=1.',
      );
    };
    return { createUser: missing, disableUser: missing };
  }
  return new CognitoUserDirectory(
    new CognitoIdentityProviderClient({ maxAttempts: API_MAX_ATTEMPTS }),
    poolId,
  );
});
export const eventSink = /* @__PURE__ */ lazy((): EventSink => {
  const file = env().EVENTS_FILE;
  if (file) return new NdjsonEventSink(file);
  return new EventBridgeEventSink(createEventBridgeClient(), required(env(), 'EVENT_BUS_NAME'));
});
export const cursorSigner = /* @__PURE__ */ lazy(() => {
  const secret = env().CURSOR_SECRET;
  return new HmacCursorSigner(
    secret ? async () => secret : secretsManagerKey(required(env(), 'CURSOR_SECRET_ARN')),
  );
});
function runRequester(runs: DynamoRunStore, models: DynamoModelStore): RunRequester {
  return new RunRequester({
    runs,
    models,
    invoker: functionInvoker(),
    rescoreFunctionName: required(env(), 'RESCORE_FUNCTION_NAME'),
    now: Date.now,
  });
}
export const rescoreRequester = /* @__PURE__ */ lazy(() => runRequester(runStore(), modelStore()));
export const apiRescoreRequester = /* @__PURE__ */ lazy(() => runRequester(apiRunStore(), apiModelStore()));

// Lead distribution (contract §3.3).
export const leadStore = /* @__PURE__ */ lazy(() => new DynamoLeadStore(documentClient(), tableName()));
export const apiLeadStore = /* @__PURE__ */ lazy(() => new DynamoLeadStore(apiDocumentClient(), tableName()));
/** The current ranking's partners for the choice, cached per run in this container. */
export const rankingSource = /* @__PURE__ */ lazy(
  () =>
    new RankingSource({
      runs: apiRunStore(),
      models: apiModelStore(),
      files: runFiles(),
      rankings: apiRankingStore(),
    }),
);
export const leadStarter = /* @__PURE__ */ lazy(
  () => new LambdaLeadStarter(functionInvoker(), required(env(), 'LEAD_FUNCTION_NAME')),
);
export const leadCallbacks = /* @__PURE__ */ lazy(
  () => new LambdaLeadCallbacks(new LambdaClient({ maxAttempts: API_MAX_ATTEMPTS })),
);
