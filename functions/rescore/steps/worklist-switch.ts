import { jsonFile, worklistFileKeys } from '#core/runs/run-files.ts';
import type { RunPlan } from '#core/runs/run-plan.ts';
import type { WorklistRunDeps } from '#core/worklist/worklist-run.ts';
import type { WorklistHead } from '#core/worklist/worklist-store.ts';

/** Worklist step 4, after the switch: the run's worklist becomes the one `GET /worklist` serves. */
export async function switchWorklist(deps: WorklistRunDeps, plan: RunPlan): Promise<void> {
  const head = await deps.files.get(worklistFileKeys.head(plan.runId));
  if (head) await deps.worklist.putHead(jsonFile.decode<WorklistHead>(head));
}
