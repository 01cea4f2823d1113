import type { MetricSpec, ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { type PartnerColumns, projectColumns } from './columns.ts';
import { type BlockStats, type KernelName, STATS_BLOCK } from './kernels.ts';
import { decayAndCap, logValue } from './metric-values.ts';
import type { Memory } from './population-memory.ts';
import type { MetricStatistics, PopulationScores, ScorePopulationOptions } from './population-types.ts';
import { sketchOfSorted } from './quantile-sketch.ts';
import { mergeSortedRuns, type SortedNumbers } from './sort-keys.ts';

/**
 * One step of the computation: a kernel over every block of `n` partners (`blocks`: results per
 * block, in block order) or over one range per thread (`ranges`: the range bounds come back).
 */
export interface Step {
  split: 'blocks' | 'ranges';
  kernel: KernelName;
  args: unknown;
  n: number;
}

// Sample size for the sketch of metrics that are not sorted anyway.
const SKETCH_SAMPLE = 4096;
const NO_VALUES = new Float64Array(0);

/** The computation, as steps a driver runs (on this thread or on the pool) and feeds back. */
export function* scoreSteps(
  model: ScoringModel,
  input: PartnerColumns,
  options: ScorePopulationOptions,
  memory: Memory,
): Generator<Step, PopulationScores, unknown> {
  const aligned = model.metrics.every((metric, j) => input.metrics[j] === normalizeName(metric.name));
  const columns = aligned ? input : projectColumns(input, model);
  const n = columns.ids.length;
  const blockSize = options.blockSize ?? STATS_BLOCK;
  let asOfMs: Float64Array | undefined;
  const metricStats: MetricStatistics[] = [];
  const normalized: Float64Array[] = [];
  for (const [j, metric] of model.metrics.entries()) {
    const column = columns.values[j];
    if (column === undefined || column.length !== n) {
      throw new RangeError(`columns.values[${j}] must hold ${n} values for metric ${metric.name}`);
    }
    const transformed = metric.halfLifeDays !== null || metric.cap.min !== null || metric.cap.max !== null;
    if (transformed) asOfMs ??= memory.share(columns.asOfMs);
    const { values, stats } = yield* normalizeColumn(
      metric,
      memory.share(column),
      transformed ? (asOfMs as Float64Array) : NO_VALUES,
      options.runTimeMs,
      memory,
      blockSize,
    );
    metricStats.push(stats);
    normalized.push(values);
  }

  // Step 6: r and score = Σ w·n·r per partner.
  const weights = model.metrics.map((metric) => metric.weight);
  const scores = memory.f64(n);
  const scale = memory.f64(n);
  yield {
    split: 'blocks',
    kernel: 'weighted',
    args: {
      normalized,
      weights,
      total: weights.reduce((a, b) => a + b, 0),
      dropping: model.metrics.some((metric) => metric.missing === 'exclude'),
      scores,
      scale,
    },
    n,
  };

  const { order: rankOrder, sorted } = yield* sortSteps(scores, true, memory);
  const order = rankOrder.slice();
  breakTiesById(order, sorted, columns.ids);
  const ranks = new Uint32Array(n);
  const percentiles = new Float64Array(n);
  // Walk the scores in rank order: ties are runs of equal values.
  for (let start = 0; start < n; ) {
    const score = sorted[start] as number;
    let end = start + 1;
    while (end < n && sorted[end] === score) end++;
    const percentile = (100 * (n - end + (end - start) / 2)) / n;
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      ranks[i] = k + 1;
      percentiles[i] = percentile;
    }
    start = end;
  }
  const scoreSketch = sketchOfSorted(sorted.reverse());

  const tierIndex = memory.i32(n);
  yield {
    split: 'blocks',
    kernel: 'tiers',
    args: {
      scores,
      minScores: model.tiers.map((tier) => tier.minScore),
      floors: model.tiers.map((tier) => tier.minScore - model.tierHysteresis),
      previous: previousIndex(model, options, n, memory),
      tierIndex,
    },
    n,
  };
  return {
    scores,
    normalized,
    scale,
    tierIndex,
    ranks,
    order,
    percentiles,
    stats: {
      runTimeMs: options.runTimeMs,
      partners: n,
      metrics: metricStats,
      scoreSketch,
    },
  };
}

/** Steps 1–5 for one metric column: n per partner (NaN = dropped) and the population statistics. */
function* normalizeColumn(
  metric: MetricSpec,
  raw: Float64Array,
  asOfMs: Float64Array,
  timeMs: number,
  memory: Memory,
  blockSize: number,
): Generator<Step, { values: Float64Array; stats: MetricStatistics }, unknown> {
  const n = raw.length;
  const out = memory.f64(n);
  const transformed = metric.halfLifeDays !== null || metric.cap.min !== null || metric.cap.max !== null;

  // Statistics: x after decay and cap into `out`; count, min, max and sums shifted by the first
  // present value, per block, added up in block order.
  let first = 0;
  while (first < n && Number.isNaN(raw[first] as number)) first++;
  let shift = Number.NaN;
  if (first < n) {
    shift = raw[first] as number;
    if (transformed) shift = decayAndCap(metric, shift, asOfMs[first] as number, timeMs);
  }
  const partials = (yield {
    split: 'blocks',
    kernel: 'stats',
    args: { metric, raw, asOfMs, timeMs, out, shift },
    n,
  }) as BlockStats[];
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let squares = 0;
  const presentBefore: number[] = [];
  for (const part of partials) {
    presentBefore.push(count);
    count += part.count;
    sum += part.sum;
    squares += part.squares;
    if (part.min < min) min = part.min;
    if (part.max > max) max = part.max;
  }
  if (count === 0) {
    min = 0;
    max = 0;
  }
  const mean = count > 0 ? shift + sum / count : 0;
  let std = count > 0 && min !== max ? Math.sqrt(Math.max(0, squares / count - (sum / count) ** 2)) : 0;
  if (metric.normalization === 'zscore' && std > 0) {
    // Φ needs σ to full precision: the exact two-pass form, with deviations scaled by the largest one
    // so that squaring neither underflows (values near 1e-160 would lose digits) nor overflows.
    const scale = Math.max(max - mean, mean - min);
    const parts = (yield {
      split: 'blocks',
      kernel: 'deviations',
      args: { raw, out, mean, scale },
      n,
    }) as number[];
    let deviations = 0;
    for (const part of parts) deviations += part;
    std = scale * Math.sqrt(deviations / count);
  }
  const logMin = logValue(min);
  const logMax = logValue(max);

  // n, direction and missing policy.
  const missingValue = metric.missing === 'zero' ? 0 : metric.missing === 'neutral' ? 0.5 : Number.NaN;
  const lower = metric.direction === 'lower';
  let sketch: number[];
  if (metric.normalization === 'percentile') {
    // Each present x becomes its mid-rank (L + E/2)/|P|; the sketch is exact.
    const { present, values } = memory.scratch(n);
    yield {
      split: 'blocks',
      kernel: 'gather',
      args: { raw, out, presentBefore, blockSize, present, values },
      n,
    };
    const { order, sorted } = yield* sortSteps(values.subarray(0, count), false, memory);
    for (let start = 0; start < count; ) {
      const x = sorted[start] as number;
      let end = start + 1;
      while (end < count && sorted[end] === x) end++;
      const fraction = (start + (end - start) / 2) / count;
      for (let k = start; k < end; k++) out[present[order[k] as number] as number] = fraction;
      start = end;
    }
    sketch = sketchOfSorted(sorted);
    yield { split: 'blocks', kernel: 'finishPercentile', args: { raw, out, lower, missingValue }, n };
  } else {
    // The sketch's evenly strided sample of the present values (before normalisation).
    const kind = metric.normalization;
    const samples = (yield {
      split: 'blocks',
      kernel: 'normalize',
      args: {
        raw,
        out,
        kind,
        lower,
        missingValue,
        low: kind === 'log' ? logMin : min,
        range: kind === 'log' ? logMax - logMin : max - min,
        mean,
        std,
        stride: Math.max(1, Math.floor(count / SKETCH_SAMPLE)),
        presentBefore,
        blockSize,
      },
      n,
    }) as number[][];
    sketch = sketchOfSorted(Float64Array.from(samples.flat()).sort());
  }
  return {
    values: out,
    stats: { metric: normalizeName(metric.name), count, min, max, mean, std, logMin, logMax, sketch },
  };
}

/** Sorts `values` (stable; see `sortNumbers`) into scratch arrays: per range, then merged. */
function* sortSteps(
  values: Float64Array,
  descending: boolean,
  memory: Memory,
): Generator<Step, SortedNumbers, unknown> {
  const n = values.length;
  const { runs } = memory.scratch(n);
  const sorted = { order: runs.order.subarray(0, n), sorted: runs.sorted.subarray(0, n) };
  const bounds = (yield {
    split: 'ranges',
    kernel: 'sortRange',
    args: { values, descending, order: sorted.order, sorted: sorted.sorted },
    n,
  }) as number[];
  if (bounds.length <= 2) return sorted;
  const merged = memory.merged(n);
  const into = { order: merged.order.subarray(0, n), sorted: merged.sorted.subarray(0, n) };
  mergeSortedRuns(sorted, bounds, descending, into);
  return into;
}

/** Each partner's previous tier as an index into `model.tiers` (negative: none); null without any. */
function previousIndex(
  model: ScoringModel,
  options: ScorePopulationOptions,
  n: number,
  memory: Memory,
): Int32Array | null {
  if (options.previousTierIndex) return memory.share(options.previousTierIndex);
  const names = options.previousTiers;
  if (names === undefined) return null;
  const byName = new Map(model.tiers.map((tier, k) => [tier.name, k]));
  const indices = memory.i32(n);
  for (let i = 0; i < n; i++) {
    const name = names[i];
    indices[i] = name == null ? -1 : (byName.get(name) ?? -1);
  }
  return indices;
}

/** The radix sort is stable on input order; equal scores must be ordered by id instead. */
function breakTiesById(order: Uint32Array, sorted: Float64Array, ids: readonly string[]): void {
  const n = order.length;
  for (let start = 0; start < n; ) {
    const score = sorted[start];
    let end = start + 1;
    while (end < n && sorted[end] === score) end++;
    if (end - start > 1) {
      order.subarray(start, end).sort((a, b) => {
        const x = ids[a] as string;
        const y = ids[b] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    start = end;
  }
}
