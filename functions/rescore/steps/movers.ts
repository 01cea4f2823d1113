import { mapWithConcurrency } from '#core/concurrency.ts';
import { type Mover, MoversCollector } from '#core/runs/movers.ts';
import { jsonFile, runFileKeys } from '#core/runs/run-files.ts';
import {
  HISTORY_TTL_DAYS,
  type RescoreRunDeps,
  RUN_SLICES,
  type RunPlan,
  requiredFile,
} from '#core/runs/run-plan.ts';

/**
 * Step 5b: the run's movers (`GET /runs/{runId}/movers`): the largest moves and tier changes of all
 * slices, from the slices' own bounded lists.
 */
export async function writeMovers(deps: RescoreRunDeps, plan: RunPlan): Promise<void> {
  const collector = new MoversCollector();
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    (slice) => requiredFile(deps.files, runFileKeys.movers(plan.runId, slice)),
  );
  for (const part of parts) for (const mover of jsonFile.decode<Mover[]>(part)) collector.add(mover);
  const historyExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + HISTORY_TTL_DAYS * 86_400;
  await deps.rankings.putMovers(plan.runId, collector.result(), historyExpiry);
}
