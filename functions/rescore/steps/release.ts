import type { RescoreRunDeps } from '#core/runs/run-plan.ts';

/** Last step: frees single flight and starts the follow-up run a request left meanwhile. */
export async function releaseRun(
  deps: Pick<RescoreRunDeps, 'runs' | 'requester'>,
  runId: string,
): Promise<void> {
  const pending = await deps.runs.releaseClaim(runId);
  // A lost follow-up is caught up by the next request or the next night.
  if (pending) await deps.requester.request(pending);
}
