/**
 * The central scoring step of a run (`scoreRun`) alone in this process, over snapshot parts another
 * process wrote to a directory: prints its time, the scoring threads it used (`SCORING_THREADS` or
 * the cores) and this process's peak RSS as JSON (what the rescore function's memory must hold). Run
 * by `bench/rescore-scale.ts`.
 */
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import type { RescoreRunDeps } from '#core/runs/run-plan.ts';
import { threadsFor } from '#core/scoring/score-threaded.ts';
import { scoreRun } from '#functions/rescore/steps/score.ts';
import { DirRunFiles } from './support/dir-run-files.ts';

const [dir, runId] = process.argv.slice(2);
if (!dir || !runId) throw new Error('usage: rescore-score-job.ts <dir> <runId>');
const unused = () => {
  throw new Error('not used by the scoring step');
};
const deps = {
  files: new DirRunFiles(dir),
  models: { getVersion: async () => DEFAULT_MODEL },
  runs: { putStatistics: async () => undefined },
  rankings: { readList: unused },
} as unknown as RescoreRunDeps;
const t0 = performance.now();
const summary = await scoreRun(deps, {
  runId,
  startedAt: '2026-11-30T02:00:00.000Z',
  modelVersion: 1,
  previousRunId: null,
});
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    ms,
    threads: threadsFor(summary.partners),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    partners: summary.partners,
  }),
);
