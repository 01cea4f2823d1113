import { jsonFile, worklistFileKeys } from '#core/runs/run-files.ts';
import type { RunPlan } from '#core/runs/run-plan.ts';
import { configForRun } from '#core/worklist/worklist-config.ts';
import { ACTION_MARGIN_MS, type WorklistPlan, type WorklistRunDeps } from '#core/worklist/worklist-run.ts';

/**
 * Worklist step 1: the settings the run uses (those changed after it started wait for the next run),
 * the run `dropRuns` back, and the users' actions since the previous worklist (a run file the slices
 * read).
 */
export async function planWorklist(deps: WorklistRunDeps, plan: RunPlan): Promise<WorklistPlan> {
  const planKey = worklistFileKeys.plan(plan.runId);
  const config = configForRun(await deps.worklist.getConfig(), plan.startedAt);
  const earlier = (await deps.runs.listRuns(config.dropRuns + 20)).filter(
    (run) => run.status === 'completed' && run.runId !== plan.runId && run.startedAt < plan.startedAt,
  );
  const dropRunId = earlier[config.dropRuns - 1]?.runId ?? null;
  const head = await deps.worklist.getHead();
  const since = head ? new Date(Date.parse(head.builtAt) - ACTION_MARGIN_MS).toISOString() : '';
  const actions = await deps.worklist.actionsSince(since);
  const worklistPlan: WorklistPlan = { config, dropRunId, builtAt: new Date(deps.now()).toISOString() };
  await deps.files.put(worklistFileKeys.actions(plan.runId), jsonFile.encode(actions));
  await deps.files.put(planKey, jsonFile.encode(worklistPlan));
  return worklistPlan;
}
