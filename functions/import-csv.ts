import type {
  DurableExecutionInvocationInput,
  DurableExecutionInvocationOutput,
} from '@aws/durable-execution-sdk-js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { type AuditStore, recordAudit } from '#core/audit/audit-log.ts';
import {
  type ImportOptions,
  type ImportOutcome,
  type ImportStart,
  runImportWorkflow,
  type WorkflowSteps,
} from '#core/imports/csv-import.ts';
import { importIdFromKey, isImportKey } from '#core/imports/import-keys.ts';
import { logger } from '#core/observability.ts';
import type { ImportStore, ModelStore, ObjectStore, PartnerStore, RescoreRequester } from '#core/ports.ts';
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

/**
 * The S3 trigger for CSV uploads under `imports/`, a durable function: each created object version
 * is imported by {@link runImportWorkflow}, its chunks of rows as durable steps (error reports,
 * `*.errors.csv`, are skipped), after a first step that records the upload in the audit trail. After
 * a crash Lambda replays the execution: completed steps return
 * their checkpointed results and the import goes on from its last completed chunk.
 */
export function createHandler(deps: () => ImportFunctionDeps) {
  const workflow = durableHandler<S3Event, ImportOutcome[]>(async (event, ctx) => {
    const starts = startsOf(event);
    const d = deps();
    if (starts.length > 0) {
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

export const handler = createHandler(() => ({
  partners: dependencies.partnerStore(),
  imports: dependencies.importStore(),
  objects: dependencies.objectStore(),
  models: dependencies.modelStore(),
  rescore: dependencies.rescoreRequester(),
  audit: dependencies.auditStore(),
}));
