import { isoNow, type RescoreRunDeps } from '#core/runs/run-plan.ts';
import { releaseRun } from './release.ts';

/**
 * The failure step: a run that failed after its retries is `failed` with the reason (unless it had
 * already switched: then it is the ranking and stays completed), single flight is freed at once and
 * a pending request starts its run.
 */
export async function failRun(deps: RescoreRunDeps, runId: string, reason: string): Promise<void> {
  const claim = await deps.runs.getClaim();
  if (claim?.currentRunId !== runId) await deps.runs.failRun(runId, isoNow(deps), reason);
  if (claim?.holder === runId) await releaseRun(deps, runId);
}
