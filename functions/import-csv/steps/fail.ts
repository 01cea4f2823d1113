import { type ImportDeps, type ImportState, withFirstError } from '#core/imports/import-state.ts';
import type { ImportSource } from '#core/ports.ts';

/**
 * Step `fail`, after a step failed past the engine's retries: ends the import `failed`, its first
 * error naming the line where it stopped and the reason (the execution then fails too: its
 * dead-letter queue and alarm).
 */
export async function failImport(
  deps: ImportDeps,
  source: ImportSource,
  failed: ImportState,
  reason: string,
): Promise<null> {
  await deps.imports.finish(
    source.importId,
    failed.owner,
    'failed',
    withFirstError(failed.progress, {
      line: failed.progress.checkpoint?.line ?? 1,
      column: null,
      message: `the import stopped at this line and was not retried further: ${reason}`,
    }),
    null,
  );
  return null;
}
