import {
  type ImportDeps,
  type ImportStart,
  type ImportState,
  progressOf,
} from '#core/imports/import-state.ts';

/**
 * What the claim step found: this execution owns the import, with the state to go on from and the
 * `asOf` of rows without one (the upload's time, fixed when the import was first claimed), or why not.
 */
export type ClaimResult =
  | { outcome: 'duplicate' | 'older' }
  | { outcome: 'claimed'; state: ImportState; asOf: string };

/**
 * Step `claim`: one conditional write decides whether this execution (`owner`, the durable
 * execution's ARN) owns the upload. A redelivered event for the same version, or an older
 * version's late event, ends here and does nothing; a retry of this step finds its own claim and
 * goes on from the state the record holds.
 */
export async function claimImport(deps: ImportDeps, start: ImportStart, owner: string): Promise<ClaimResult> {
  const { source } = start;
  const claim = await deps.imports.claim(source, owner, start.resumeOf);
  if (claim.outcome !== 'claimed') return { outcome: claim.outcome };
  const { record } = claim;
  const state: ImportState = {
    owner: record.owner as string,
    chunks: record.chunks,
    progress: progressOf(record),
    ...(record.checkpoint?.end ? { end: record.checkpoint.end } : {}),
  };
  return { outcome: claim.outcome, state, asOf: record.asOf ?? source.asOf };
}
