import { runFileKeys } from '#core/runs/run-files.ts';
import { eventId } from '#core/runs/run-ids.ts';
import type { CompletedRunFacts, RescoreRunDeps } from '#core/runs/run-plan.ts';

/**
 * Step 8: `RescoreCompleted`, once every tier change is out; then the run's outbox is all published
 * (it leaves `RunClaim.unpublishedRuns`).
 */
export async function publishCompleted(deps: RescoreRunDeps, run: CompletedRunFacts): Promise<void> {
  const marker = runFileKeys.published(run.runId, 'completed');
  if (!(await deps.files.get(marker))) {
    await deps.events.publish([
      {
        id: eventId(run.runId, 'RescoreCompleted'),
        detailType: 'RescoreCompleted',
        time: run.finishedAt,
        detail: {
          runId: run.runId,
          modelVersion: run.modelVersion,
          partners: run.partners,
          tierChanges: run.tierChanges,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
        },
      },
    ]);
    await deps.files.put(marker, new Uint8Array());
  }
  await deps.runs.markPublished(run.runId);
}
