import { isoNow, type RescoreRunDeps, type RunPlan } from '#core/runs/run-plan.ts';
import type { RunRequester } from '#core/runs/run-requester.ts';

/** What an event asks for: the run of a schedule slot, or a run a requester started. */
export interface RunRequest {
  kind: 'schedule' | 'run';
  runId: string;
}

/** What the begin steps need: a run's deps, with the requester that takes single flight. */
export type BeginDeps = RescoreRunDeps & { requester: RunRequester };

/**
 * Step 1: the plan of the run an event asks for, or null when there is nothing to run. A scheduled
 * run takes single flight as `owner` (this execution): a retry of this step after the claim or the
 * run record went through finds them as its own and goes on; a redelivered event (another
 * execution) finds them as another's and does nothing.
 */
export async function begin(deps: BeginDeps, request: RunRequest, owner: string): Promise<RunPlan | null> {
  if (request.kind === 'run') return beginRun(deps, request.runId);
  if (await deps.runs.getRun(request.runId)) {
    return (await ownsClaim(deps, request.runId, owner)) ? beginRun(deps, request.runId) : null;
  }
  const started = await deps.requester.start(request.runId, 'schedule', owner);
  return started.started ? beginRun(deps, request.runId) : null;
}

/** Whether single flight is held by `runId` on behalf of the execution `owner`. */
export async function ownsClaim(deps: RescoreRunDeps, runId: string, owner: string): Promise<boolean> {
  const claim = await deps.runs.getClaim();
  return claim?.holder === runId && claim.owner === owner;
}

/**
 * The plan of a run that holds single flight, or `null` when there is nothing to do (the run is
 * unknown or finished: a redelivered invoke, or an execution started after its run ended). A run
 * that lost single flight before starting is failed.
 */
async function beginRun(deps: RescoreRunDeps, runId: string): Promise<RunPlan | null> {
  const run = await deps.runs.getRun(runId);
  if (run?.status !== 'running') return null;
  const claim = await deps.runs.getClaim();
  if (claim?.holder !== runId) {
    await deps.runs.failRun(runId, isoNow(deps), 'lost single flight before it started');
    return null;
  }
  return {
    runId,
    startedAt: run.startedAt,
    modelVersion: run.modelVersion,
    previousRunId: claim.currentRunId,
  };
}
