import type { RescoreRunDeps } from '#core/runs/run-plan.ts';
import { ownsClaim, type RunRequest } from './begin.ts';
import { failRun } from './fail.ts';

/**
 * After `begin` failed past its retries: the run fails with the reason and single flight is freed
 * (a pending request starts its run), when this execution's run holds it. A scheduled run another
 * execution holds is left alone.
 */
export async function abandonBegin(
  deps: RescoreRunDeps,
  request: RunRequest,
  owner: string,
  reason: string,
): Promise<void> {
  if (request.kind === 'schedule' && !(await ownsClaim(deps, request.runId, owner))) return;
  await failRun(deps, request.runId, reason);
}
