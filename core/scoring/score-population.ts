import type { ScoringModel } from '../model/scoring-model.ts';
import type { PartnerColumns } from './columns.ts';
import { STATS_BLOCK } from './kernels.ts';
import { LOCAL } from './population-memory.ts';
import { type Step, scoreSteps } from './population-steps.ts';
import type { PopulationScores, ScorePopulationOptions } from './population-types.ts';
import { runKernelTask } from './scoring-pool.ts';

export type {
  MetricStatistics,
  PopulationScores,
  RunStatistics,
  ScorePopulationOptions,
} from './population-types.ts';

/**
 * Scores a whole population under a model (contract §5): normalised values, scores, tiers with
 * hysteresis, ranks and percentiles, plus the compact statistics for provisional scores.
 * Columnar throughout: O(N·metrics) plus radix sorts, no per-partner objects. Columns built for
 * another metric list are matched to the model's metrics by name (missing ones count as missing).
 * On the calling thread; `scorePopulationThreaded` (`score-threaded.ts`) gives the same bits on several.
 */
export function scorePopulation(
  model: ScoringModel,
  input: PartnerColumns,
  options: ScorePopulationOptions,
): PopulationScores {
  const steps = scoreSteps(model, input, options, LOCAL);
  let step = steps.next();
  while (!step.done) step = steps.next(runHere(step.value, options.blockSize ?? STATS_BLOCK));
  return step.value;
}

/** The block ranges `[start, end)` of blocks `from` to `to` (exclusive) over `n` partners. */
export function blockRanges(from: number, to: number, blockSize: number, n: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let b = from; b < to; b++) ranges.push([b * blockSize, Math.min(n, (b + 1) * blockSize)]);
  return ranges;
}

/** A step on the calling thread: every block in turn, or the whole range as one. */
export function runHere(step: Step, blockSize: number): unknown {
  if (step.split === 'ranges') {
    runKernelTask({ kernel: step.kernel, args: step.args, ranges: [[0, step.n]] });
    return [0, step.n];
  }
  const ranges = blockRanges(0, Math.ceil(step.n / blockSize), blockSize, step.n);
  return runKernelTask({ kernel: step.kernel, args: step.args, ranges });
}
