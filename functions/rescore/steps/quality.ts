import { mapWithConcurrency } from '#core/concurrency.ts';
import type { ModelStore } from '#core/ports.ts';
import { type QualityStatus, runQualityChecks } from '#core/quality/quality-checks.ts';
import {
  FAILURES_PAGE_SIZE,
  type QualityFailuresPage,
  type QualityStore,
} from '#core/quality/quality-store.ts';
import {
  decodeColumnFile,
  PAGE_TTL_DAYS,
  type RunFiles,
  runFileKeys,
  type SnapshotMeta,
} from '#core/runs/run-files.ts';
import { HISTORY_TTL_DAYS, RUN_SLICES, type RunPlan } from '#core/runs/run-plan.ts';
import type { WorklistPlan } from '#core/worklist/worklist-run.ts';

/** What the quality step needs. */
export interface QualityRunDeps {
  files: RunFiles;
  models: Pick<ModelStore, 'getVersion'>;
  quality: QualityStore;
}

/**
 * The quality step: the checks of contract §3.2 over the run's snapshot (the partners the run read,
 * from its own files: no second read of the table), failing partners as pages, the report beside
 * the run record and the overall status on it. A `fail` is reported, never a reason to stop the run.
 */
export async function checkQuality(
  deps: QualityRunDeps,
  plan: RunPlan,
  worklistPlan: WorklistPlan,
): Promise<QualityStatus> {
  const model = await deps.models.getVersion(plan.modelVersion);
  if (!model) throw new Error(`model version ${plan.modelVersion} of the run is not stored`);
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    async (slice) => {
      const data = await deps.files.get(runFileKeys.snapshot(plan.runId, slice));
      if (!data) throw new Error(`run file ${runFileKeys.snapshot(plan.runId, slice)} is missing`);
      return decodeColumnFile<SnapshotMeta>(data);
    },
  );
  const n = parts.reduce((sum, part) => sum + part.meta.ids.length, 0);
  const ids: string[] = [];
  const names: string[] = [];
  const asOfMs = new Float64Array(n);
  const values = model.metrics.map(() => new Float64Array(n));
  let start = 0;
  for (const part of parts) {
    ids.push(...part.meta.ids);
    names.push(...part.text('names'));
    asOfMs.set(part.columns.asOfMs as Float64Array, start);
    values.forEach((column, j) => {
      column.set(part.columns[`m${j}`] as Float64Array, start);
    });
    start += part.meta.ids.length;
  }
  const previous = plan.previousRunId ? await deps.quality.getReport(plan.previousRunId) : null;
  const result = runQualityChecks({
    ids,
    names,
    asOfMs,
    metrics: model.metrics.map((metric) => metric.name),
    values,
    runTimeMs: Date.parse(plan.startedAt),
    staleWarnDays: worklistPlan.config.staleWarnDays,
    staleErrorDays: worklistPlan.config.staleErrorDays,
    previousMedians: previous?.medians ?? null,
  });
  const runSeconds = Math.floor(Date.parse(plan.startedAt) / 1000);
  for (const { check, metric, items: failures } of result.failures) {
    const pages: QualityFailuresPage[] = [];
    for (let page = 0; page * FAILURES_PAGE_SIZE < failures.length; page++) {
      pages.push({ page, items: failures.slice(page * FAILURES_PAGE_SIZE, (page + 1) * FAILURES_PAGE_SIZE) });
    }
    await deps.quality.putFailures(plan.runId, check, metric, pages, runSeconds + PAGE_TTL_DAYS * 86_400);
  }
  await deps.quality.putReport(
    { runId: plan.runId, status: result.status, checks: result.checks, medians: result.medians },
    runSeconds + HISTORY_TTL_DAYS * 86_400,
  );
  return result.status;
}
