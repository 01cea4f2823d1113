import type { CompletedRunFacts, RescoreRunDeps, RunPlan } from '#core/runs/run-plan.ts';

/**
 * Before a run publishes its own events: the earlier switched runs whose outbox is not all
 * published (their publish failed past its retries, or the process died before it ended), oldest
 * first, with the facts of their `RescoreCompleted`. The run publishes them first (every slice:
 * parts already published are marked and skipped).
 */
export async function leftoverOutboxes(deps: RescoreRunDeps, plan: RunPlan): Promise<CompletedRunFacts[]> {
  const claim = await deps.runs.getClaim();
  const leftover: CompletedRunFacts[] = [];
  for (const runId of [...(claim?.unpublishedRuns ?? [])].sort()) {
    if (runId === plan.runId) continue;
    const run = await deps.runs.getRun(runId);
    // A switched run that is not completed yet is still in its own switch step: it publishes itself.
    if (run?.status !== 'completed' || run.finishedAt === null) continue;
    leftover.push({
      runId,
      modelVersion: run.modelVersion,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      partners: run.partners ?? 0,
      tierChanges: run.tierChanges ?? 0,
    });
  }
  return leftover;
}
