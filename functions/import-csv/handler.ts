import type {
  DurableExecutionInvocationInput,
  DurableExecutionInvocationOutput,
} from '@aws/durable-execution-sdk-js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import type { AuditStore } from '#core/audit/audit-log.ts';
import { encodeEventKey, IMPORT_PREFIX, importIdFromKey, isImportKey } from '#core/imports/import-keys.ts';
import { DEFAULT_IMPORT_OPTIONS } from '#core/imports/import-limits.ts';
import type { ImportDeps, ImportOutcome, ImportStart, ImportState } from '#core/imports/import-state.ts';
import { localSequencer } from '#core/imports/sequencer.ts';
import { logger } from '#core/observability.ts';
import type { ImportStore, ModelStore, ObjectStore, PartnerStore, RescoreRequester } from '#core/ports.ts';
import * as dependencies from '../dependencies.ts';
import { durableHandler } from '../durable.ts';
import type { StepRetryPolicy } from '../step-retry.ts';
import { importRetryStrategy } from './retry.ts';
import { startsOf } from './s3-event.ts';
import { recordUploads } from './steps/audit-upload.ts';
import { claimImport } from './steps/claim.ts';
import { failImport } from './steps/fail.ts';
import { finishImport } from './steps/finish.ts';
import { requestRun } from './steps/request-run.ts';
import { importRows } from './steps/rows.ts';

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
  options?: ImportDeps['options'];
  /** Overrides of the step retry policy `IMPORT_RETRY` of `retry.ts` (tests wait seconds, not minutes). */
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
    const retryStrategy = importRetryStrategy(d.stepRetry);
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

/**
 * The durable steps an import runs in: the durable execution SDK's `context.step` in the Lambda
 * function (checkpointed, retried, replayed after a crash), a plain call where no engine is needed
 * (the RSS bench, tests that act between two steps). A step's result must be plain JSON.
 */
export interface WorkflowSteps {
  /**
   * The execution's own identity (the durable execution's ARN), the same in every replay and step
   * retry: the import's owner token. Never drawn inside a step: a claim whose write landed but
   * whose step failed after it must find its own claim when the step runs again.
   */
  executionId: string;
  step<T>(name: string, run: () => Promise<T>): Promise<T>;
}

/**
 * Imports one CSV object version as a workflow of steps, each in `steps/<step name>.ts`: `claim`,
 * then `rows-0`, `rows-1`, … (steps/rows.ts) until the file is read, `request-run` when rows were
 * imported, `finish`. A step that still fails after the engine's retries ({@link importRetryStrategy})
 * runs `fail`, which ends the import `failed` with the reason, and the error is rethrown so the
 * execution fails too (its dead-letter queue and alarm).
 */
export async function runImportWorkflow(
  start: ImportStart,
  steps: WorkflowSteps,
  deps: ImportDeps,
): Promise<ImportOutcome> {
  const options = { ...DEFAULT_IMPORT_OPTIONS, ...deps.options };
  const { source } = start;
  const claimed = await steps.step('claim', () => claimImport(deps, start, steps.executionId));
  if (claimed.outcome !== 'claimed') {
    logger.info(`import not started: ${claimed.outcome}`, { importId: source.importId });
    return claimed.outcome;
  }
  let state: ImportState = claimed.state;
  try {
    while (!state.end) {
      const chunk = state.chunks;
      const next: ImportState | null = await steps.step(`rows-${chunk}`, () =>
        importRows(source, deps, options, state, claimed.asOf),
      );
      if (next === null) {
        logger.info('import superseded by a newer upload of the same key', { importId: source.importId });
        return 'superseded';
      }
      state = next;
    }
    if (state.progress.rowsImported > 0) await steps.step('request-run', () => requestRun(deps));
    const finished = state;
    const status = await steps.step('finish', () => finishImport(source, deps, finished));
    return status ?? 'superseded';
  } catch (error) {
    const failed = state;
    const reason = error instanceof Error ? error.message : String(error);
    await steps.step('fail', () => failImport(deps, source, failed, reason));
    throw error;
  }
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
