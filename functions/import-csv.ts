import type {
  DurableExecutionInvocationInput,
  DurableExecutionInvocationOutput,
} from '@aws/durable-execution-sdk-js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { recordAudit } from '#core/audit/audit-log.ts';
import {
  type ImportOptions,
  type ImportOutcome,
  type ImportStart,
  runImportWorkflow,
  type WorkflowSteps,
} from '#core/imports/csv-import.ts';
import { encodeEventKey, IMPORT_PREFIX, importIdFromKey, isImportKey } from '#core/imports/import-keys.ts';
import { localSequencer } from '#core/imports/sequencer.ts';
import { logger } from '#core/observability.ts';
import type {
  AuditStore,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  RescoreRequester,
} from '#core/ports.ts';
import * as dependencies from './dependencies.ts';
import { durableHandler } from './durable.ts';
import { STEP_RETRY, type StepRetryPolicy, stepRetryStrategy } from './step-retry.ts';

/** What the import function needs; tests pass their own, Lambda builds them from the environment. */
export interface ImportFunctionDeps {
  partners: PartnerStore;
  imports: ImportStore;
  objects: ObjectStore;
  models: ModelStore;
  rescore: RescoreRequester;
  /** Where each upload is recorded with its S3 principal (contract §7). */
  audit: AuditStore;
  /** Overrides of the rows per step and per write batch (tests use tiny ones). */
  options?: Partial<ImportOptions>;
  /** Overrides of the step retry policy {@link STEP_RETRY} (tests wait seconds, not minutes). */
  stepRetry?: Partial<StepRetryPolicy>;
}

/** An unfinished import taken over by a new execution (the local stack after a restart). */
export interface ImportResume {
  importResume: ImportStart & { resumeOf: string };
}

export type ImportEvent = S3Event | ImportResume;

/**
 * The S3 trigger for CSV uploads under `imports/`, a durable function: each created object version
 * is imported by {@link runImportWorkflow}, its chunks of rows as durable steps (error reports,
 * `*.errors.csv`, are skipped), after a first step that records the upload in the audit trail. After
 * a crash Lambda replays the execution: completed steps return
 * their checkpointed results and the import goes on from its last completed chunk.
 */
export function createHandler(deps: () => ImportFunctionDeps) {
  const workflow = durableHandler<ImportEvent, ImportOutcome[]>(async (event, ctx) => {
    const starts = 'importResume' in event ? [event.importResume] : startsOf(event);
    const d = deps();
    if (!('importResume' in event) && starts.length > 0) {
      await ctx.step('audit-upload', () => recordUploads(d.audit, event));
    }
    const retryStrategy = stepRetryStrategy({ ...STEP_RETRY, ...d.stepRetry });
    const outcomes: ImportOutcome[] = [];
    for (const [i, start] of starts.entries()) {
      logger.appendKeys({ importId: start.source.importId });
      // S3 sends one record per event; the prefix keeps step names apart if it ever sends more.
      const execution = ctx.executionContext.durableExecutionArn;
      const steps: WorkflowSteps = {
        executionId: i === 0 ? execution : `${execution}#${i}`,
        step: (name, run) => ctx.step(`${i === 0 ? '' : `${i}:`}${name}`, () => run(), { retryStrategy }),
      };
      outcomes.push(await runImportWorkflow(start, steps, d));
    }
    return outcomes;
  });
  return middy<DurableExecutionInvocationInput, DurableExecutionInvocationOutput>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(workflow);
}

/** The imports an S3 event asks for: created objects under `imports/` that are CSV files. */
function startsOf(event: S3Event): ImportStart[] {
  return (event.Records ?? []).flatMap((record) => {
    if (!record.eventName.startsWith('ObjectCreated:')) return [];
    // S3 form-encodes keys in notifications (a space is `+`).
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (!isImportKey(key)) {
      logger.info('not an import file; skipped', { key });
      return [];
    }
    const { sequencer } = record.s3.object;
    return [
      {
        source: {
          importId: importIdFromKey(key),
          bucket: record.s3.bucket.name,
          key,
          etag: record.s3.object.eTag.replaceAll('"', ''),
          ...(sequencer ? { sequencer } : {}),
          asOf: new Date(Date.parse(record.eventTime) || Date.now()).toISOString(),
        },
      },
    ];
  });
}

/**
 * Records each upload of an S3 event in the audit trail (action `import.upload`), as the S3 principal
 * that wrote the object (`userIdentity.principalId`: the IAM principal of a straight upload, the
 * role that signed an upload URL; `s3` when the event has none). Keyed by the object version, so a
 * redelivered event records nothing new. Never fails the import (see `recordAudit`).
 */
async function recordUploads(audit: AuditStore, event: S3Event): Promise<null> {
  for (const record of event.Records ?? []) {
    const start = startsOf({ Records: [record] })[0];
    if (!start) continue;
    const { importId, key, etag, sequencer } = start.source;
    await recordAudit(
      audit,
      {
        principal: { subject: record.userIdentity?.principalId || 's3', clientId: null },
        at: Date.parse(start.source.asOf),
        id: `s3:${importId}:${sequencer ?? etag}`,
      },
      {
        action: 'import.upload',
        target: `import/${importId}`,
        detail: { key, etag, bytes: record.s3.object.size, bucket: start.source.bucket },
      },
    );
  }
  return null;
}

/**
 * The imports the local stack starts again when it starts (its durable runner keeps executions in
 * memory only): every import still `processing` is taken over from its last committed chunk, and
 * every uploaded file under `imports/` that has no import of its version yet (its notification was
 * lost with the process; S3 delivers at least once, so an acknowledged upload must become an
 * import) gets the event S3 would have sent.
 */
export async function unfinishedImports(
  deps: Pick<ImportFunctionDeps, 'imports' | 'objects'>,
  bucket: string,
  now = Date.now(),
): Promise<{ name: string; payload: ImportEvent }[]> {
  const found: { name: string; payload: ImportEvent }[] = [];
  for await (const object of deps.objects.list(IMPORT_PREFIX)) {
    if (!isImportKey(object.key)) continue;
    const importId = importIdFromKey(object.key);
    const record = await deps.imports.get(importId);
    if (record?.etag === object.etag && record.status !== 'pending') {
      if (record.status === 'processing' && record.owner && record.bucket) {
        const source = {
          importId,
          bucket: record.bucket,
          key: record.key,
          etag: object.etag,
          ...(record.sequencer ? { sequencer: record.sequencer } : {}),
          asOf: record.asOf ?? new Date(now).toISOString(),
        };
        found.push({
          name: `resume-${record.owner}`,
          payload: { importResume: { source, resumeOf: record.owner } },
        });
      }
      continue;
    }
    // The object in the bucket is its key's newest version: its sequencer is now.
    found.push({
      name: `reconcile-${importId.slice(0, 60)}-${object.etag.slice(0, 32)}`,
      payload: createdEvent(bucket, object.key, object.etag, object.lastModified, localSequencer(now)),
    });
  }
  return found;
}

function createdEvent(bucket: string, key: string, eTag: string, time: Date, sequencer: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: process.env.AWS_REGION ?? 'us-east-1',
        eventTime: time.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'reconcile', 'x-amz-id-2': 'reconcile' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'partner-imports',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeEventKey(key),
            size: 0,
            eTag,
            sequencer,
          },
        },
      },
    ],
  };
}

export const handler = createHandler(() => ({
  partners: dependencies.partnerStore(),
  imports: dependencies.importStore(),
  objects: dependencies.objectStore(),
  models: dependencies.modelStore(),
  rescore: dependencies.rescoreRequester(),
  audit: dependencies.auditStore(),
}));

/** For the local stack's resume at start (see `infra/local/function-runner.ts`). */
export const unfinishedExecutions = () =>
  unfinishedImports(
    { imports: dependencies.importStore(), objects: dependencies.objectStore() },
    dependencies.bucketName(),
  );
