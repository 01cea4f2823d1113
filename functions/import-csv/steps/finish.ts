import { errorReportKey, errorReportPartKey } from '#core/imports/import-keys.ts';
import { type ImportDeps, type ImportState, withFirstError } from '#core/imports/import-state.ts';
import { joinParts } from '#core/imports/report-parts.ts';
import { logger } from '#core/observability.ts';
import type { ImportSource } from '#core/ports.ts';

/**
 * Step `finish`: ends the import: joins the error-report parts into one report beside the file and writes the
 * final state, `completed`, or `failed` when a row or the file ended it (`state.end.failure`).
 * `null` when a newer upload took the import over.
 */
export async function finishImport(
  source: ImportSource,
  deps: ImportDeps,
  state: ImportState,
): Promise<'completed' | 'failed' | null> {
  const failure = state.end?.failure ?? null;
  const status = failure ? 'failed' : 'completed';
  const progress = failure ? withFirstError(state.progress, failure) : state.progress;
  const parts = progress.checkpoint?.reportParts ?? 0;
  let reportKey: string | null = null;
  const partKeys = Array.from({ length: parts }, (_, i) => errorReportPartKey(source.importId, i));
  if (parts > 0) {
    reportKey = errorReportKey(source.importId);
    const stored = await deps.imports.get(source.importId);
    // Finished before (this step ran again): the parts may be gone already.
    if (stored?.owner === state.owner && stored.status === status) return status;
    await deps.objects.write(
      source.bucket,
      reportKey,
      joinParts(deps.objects, source.bucket, progress.checkpoint?.header ?? [], partKeys),
      'text/csv',
    );
  }
  if (!(await deps.imports.finish(source.importId, state.owner, status, progress, reportKey))) return null;
  if (parts > 0) await deps.objects.delete(source.bucket, partKeys);
  logger.info(`import ${status}`, {
    importId: source.importId,
    rowsTotal: progress.rowsTotal,
    rowsImported: progress.rowsImported,
    rowsRejected: progress.rowsRejected,
  });
  return status;
}
