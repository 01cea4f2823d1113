import { encodeEntries, HEAD_MAX_BYTES, lists, PAGE_SIZE } from '#core/ranking/ranking-store.ts';
import { jsonFile, runFileKeys, type ScoreSummaryFile } from '#core/runs/run-files.ts';
import {
  isoNow,
  type RescoreRunDeps,
  RunAbortedError,
  type RunPlan,
  requiredFile,
  runHeader,
  type SwitchedRun,
} from '#core/runs/run-plan.ts';

/**
 * Step 6: the switch. ONE conditional write of the pointer item, which also holds single flight:
 * only while this run holds it and nobody else switched. A run that lost it fails and never becomes
 * the ranking. Then the run is completed (once: a replay finds it completed and reads it back).
 */
export async function switchRun(deps: RescoreRunDeps, plan: RunPlan): Promise<SwitchedRun> {
  const summary = jsonFile.decode<ScoreSummaryFile>(
    await requiredFile(deps.files, runFileKeys.scoreSummary(plan.runId)),
  );
  const [top] = await deps.rankings.getPages(plan.runId, lists.all, 0, 1);
  const entries = top?.entries ?? [];
  const complete = entries.length === PAGE_SIZE || entries.length === summary.partners;
  const head = complete && Buffer.byteLength(encodeEntries(entries)) <= HEAD_MAX_BYTES ? entries : undefined;
  const switched = await deps.runs.switchCurrent(
    { ...runHeader(plan), ...(head ? { head } : {}) },
    plan.previousRunId,
  );
  if (!switched) {
    const claim = await deps.runs.getClaim();
    // A re-run of this step after its switch went through: the pointer names this run already.
    if (claim?.currentRunId !== plan.runId) {
      throw new RunAbortedError('lost single flight: another run holds it or switched the ranking first');
    }
  }
  const finishedAt = isoNow(deps);
  await deps.runs.completeRun(plan.runId, {
    finishedAt,
    partners: summary.partners,
    tierChanges: summary.tierChanges,
    modelVersion: plan.modelVersion,
    lists: summary.lists,
  });
  const run = await deps.runs.getRun(plan.runId);
  return {
    partners: summary.partners,
    tierChanges: summary.tierChanges,
    finishedAt: run?.finishedAt ?? finishedAt,
  };
}
