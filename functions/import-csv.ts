import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, S3Event } from 'aws-lambda';
import { required } from '#core/config.ts';
import { type ImportContinuation, type ImportOptions, runImport } from '#core/imports/csv-import.ts';
import { importIdFromKey, isImportKey } from '#core/imports/import-keys.ts';
import { logger } from '#core/observability.ts';
import type {
  FunctionInvoker,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  RescoreRequester,
} from '#core/ports.ts';
import * as dependencies from './dependencies.ts';

/** What the import function needs; tests pass their own, Lambda builds them from the environment. */
export interface ImportFunctionDeps {
  partners: PartnerStore;
  imports: ImportStore;
  objects: ObjectStore;
  models: ModelStore;
  rescore: RescoreRequester;
  invoker: FunctionInvoker;
  /** This function's own name, for continuations (`IMPORT_FUNCTION_NAME`). */
  importFunctionName: string;
  /** Overrides of chunk size, checkpoint interval and the time margin (tests use tiny budgets). */
  options?: Partial<ImportOptions>;
  /** Overrides `context.getRemainingTimeInMillis` (tests simulate running out of time). */
  remainingMs?: () => number;
}

export type ImportEvent = S3Event | ImportContinuation;

/**
 * The S3 trigger for CSV uploads under `imports/` (and its own continuations): each created object
 * is imported once per (bucket, key, ETag); error reports (`*.errors.csv`) are skipped. A failure
 * is rethrown so Lambda's retry resumes the import at its last checkpoint.
 */
export function createHandler(deps: () => ImportFunctionDeps) {
  return middy<ImportEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: ImportEvent, context: Context) => {
      const d = deps();
      const importDeps = {
        ...d,
        remainingMs: d.remainingMs ?? (() => context.getRemainingTimeInMillis()),
        continueLater: (continuation: ImportContinuation) =>
          d.invoker.invokeAsync(d.importFunctionName, continuation),
      };
      if ('importContinuation' in event) {
        const { source, token } = event.importContinuation;
        logger.appendKeys({ importId: source.importId });
        await runImport(source, importDeps, token);
        return;
      }
      for (const record of event.Records ?? []) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        // S3 form-encodes keys in notifications (a space is `+`).
        const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
        if (!isImportKey(key)) {
          logger.info('not an import file; skipped', { key });
          continue;
        }
        const importId = importIdFromKey(key);
        logger.appendKeys({ importId });
        await runImport(
          {
            importId,
            bucket: record.s3.bucket.name,
            key,
            etag: record.s3.object.eTag.replaceAll('"', ''),
            asOf: new Date(Date.parse(record.eventTime) || Date.now()).toISOString(),
          },
          importDeps,
        );
      }
    });
}

export const handler = createHandler(() => ({
  partners: dependencies.partnerStore(),
  imports: dependencies.importStore(),
  objects: dependencies.objectStore(),
  models: dependencies.modelStore(),
  rescore: dependencies.rescoreRequester(),
  invoker: dependencies.functionInvoker(),
  importFunctionName: required(dependencies.env(), 'IMPORT_FUNCTION_NAME'),
}));
