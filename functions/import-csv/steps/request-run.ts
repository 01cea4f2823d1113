import type { ImportDeps } from '#core/imports/import-state.ts';

/**
 * Step `request-run`: a rescore run of the new data (reason `import`), when rows were imported. It
 * comes before `finish`, so a crash between the two leaves the import unfinished (and requesting
 * again) rather than done without its run.
 */
export async function requestRun(deps: ImportDeps): Promise<null> {
  await deps.rescore.request('import');
  return null;
}
