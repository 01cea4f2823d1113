import type { MetricSpec, ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { type PartnerColumns, projectColumns } from './columns.ts';
import { decayAndCap, logValue } from './metric-values.ts';
import { normalCdf } from './normal-cdf.ts';
import { sketchOfSorted } from './quantile-sketch.ts';
import { type SortedNumbers, sortNumbers } from './sort-keys.ts';
import { tierIndexOf } from './tiers.ts';

/** Population statistics of one metric at the run's time, over the present values after decay and cap. */
export interface MetricStatistics {
  /** Normalised metric name. */
  metric: string;
  /** Partners with a value. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** min and max of ln(1 + max(x, 0)), what `log` min-maxes. */
  logMin: number;
  logMax: number;
  /** Quantile sketch (see `sketchOfSorted`): exact for percentile metrics, from a sample otherwise. */
  sketch: number[];
}

/**
 * Compact, JSON-serialisable statistics of a run (a few KB for any N): what a provisional score
 * between runs is computed against.
 */
export interface RunStatistics {
  /** The run's time t, epoch ms. */
  runTimeMs: number;
  /** Partners scored. */
  partners: number;
  /** One entry per model metric, in model order. */
  metrics: MetricStatistics[];
  /** Quantile sketch of the run's scores, for an approximate percentile between runs. */
  scoreSketch: number[];
}

/** Everything a run computes for its population, in typed arrays aligned with the input columns. */
export interface PopulationScores {
  /** Score per partner (input order). */
  scores: Float64Array;
  /** Per metric column, the final n (after missing policy and direction); NaN where dropped (exclude). */
  normalized: Float64Array[];
  /** Weight rescale r per partner (1 unless `exclude` dropped something; 0 when everything was). */
  scale: Float64Array;
  /** Index into `model.tiers` per partner, −1 = below every tier (after hysteresis). */
  tierIndex: Int32Array;
  /** 1-based rank of partner i. */
  ranks: Uint32Array;
  /** Partner indices in rank order (score descending, id ascending by UTF-16 code units). */
  order: Uint32Array;
  /** 100·(L + E/2)/N over all scores. */
  percentiles: Float64Array;
  stats: RunStatistics;
}

export interface ScorePopulationOptions {
  /** The run's time t (its `startedAt`), epoch ms: decay is measured to it. */
  runTimeMs: number;
  /** Tier of each partner in the previous completed run (input order), for hysteresis. */
  previousTiers?: ReadonlyArray<string | null | undefined>;
  /**
   * The same as {@link previousTiers} as indices into `model.tiers` (negative: none, or a tier the
   * model does not have): what a caller holding dictionary codes passes instead of a string per partner.
   */
  previousTierIndex?: Int32Array;
}

// Temporaries of the sorts, reused across calls: at a million partners they are tens of MB, and
// allocating them per call makes V8 run extra full collections (external memory pressure).
let scratch: { present: Uint32Array; values: Float64Array; sort: SortedNumbers } | undefined;

function scratchFor(n: number) {
  if (scratch === undefined || scratch.present.length < n) {
    const size = Math.max(n, 1024);
    scratch = {
      present: new Uint32Array(size),
      values: new Float64Array(size),
      sort: { order: new Uint32Array(size), sorted: new Float64Array(size) },
    };
  }
  return scratch;
}

// Sample size for the sketch of metrics that are not sorted anyway.
const SKETCH_SAMPLE = 4096;

/**
 * Scores a whole population under a model (contract §5): normalised values, scores, tiers with
 * hysteresis, ranks and percentiles, plus the compact statistics for provisional scores.
 * Columnar throughout: O(N·metrics) plus radix sorts, no per-partner objects. Columns built for
 * another metric list are matched to the model's metrics by name (missing ones count as missing).
 */
export function scorePopulation(
  model: ScoringModel,
  input: PartnerColumns,
  options: ScorePopulationOptions,
): PopulationScores {
  const aligned = model.metrics.every((metric, j) => input.metrics[j] === normalizeName(metric.name));
  const columns = aligned ? input : projectColumns(input, model);
  const n = columns.ids.length;
  const metricStats: MetricStatistics[] = [];
  const normalized = model.metrics.map((metric, j) => {
    const raw = columns.values[j];
    if (raw === undefined || raw.length !== n) {
      throw new RangeError(`columns.values[${j}] must hold ${n} values for metric ${metric.name}`);
    }
    const { values, stats } = normalizeColumn(metric, raw, columns.asOfMs, options.runTimeMs);
    metricStats.push(stats);
    return values;
  });

  const { scores, scale } = weightedScores(model, normalized, n);
  const { order: rankOrder, sorted } = sortNumbers(scores, true, scratchFor(n).sort);
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

  const tierIndex = assignTiers(model, scores, options.previousTierIndex ?? options.previousTiers);
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

/** Steps 1–5 for one metric column: returns n per partner (NaN = dropped) and the population statistics. */
function normalizeColumn(
  metric: MetricSpec,
  raw: Float64Array,
  asOfMs: Float64Array,
  timeMs: number,
): { values: Float64Array; stats: MetricStatistics } {
  const n = raw.length;
  const out = new Float64Array(n);
  const transformed = metric.halfLifeDays !== null || metric.cap.min !== null || metric.cap.max !== null;

  // Pass 1: x after decay and cap into `out`, count, min, max and sums shifted by the first value
  // (shifting keeps the one-pass variance accurate).
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let shift = Number.NaN;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    let x = raw[i] as number;
    if (Number.isNaN(x)) continue; // missing
    if (transformed) x = decayAndCap(metric, x, asOfMs[i] as number, timeMs);
    out[i] = x;
    if (count++ === 0) shift = x;
    const d = x - shift;
    sum += d;
    squares += d * d;
    if (x < min) min = x;
    if (x > max) max = x;
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
    let deviations = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(raw[i] as number)) continue;
      const d = ((out[i] as number) - mean) / scale;
      deviations += d * d;
    }
    std = scale * Math.sqrt(deviations / count);
  }
  const logMin = logValue(min);
  const logMax = logValue(max);

  // Pass 2: n, direction and missing policy in one sweep.
  const missingValue = metric.missing === 'zero' ? 0 : metric.missing === 'neutral' ? 0.5 : Number.NaN;
  const lower = metric.direction === 'lower';
  let sketch: number[];
  if (metric.normalization === 'percentile') {
    sketch = percentileInPlace(raw, out, count);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(raw[i] as number)) out[i] = missingValue;
      else if (lower) out[i] = 1 - (out[i] as number);
    }
  } else {
    // The sketch's evenly strided sample of the present values (before normalisation), taken in this pass.
    const stride = Math.max(1, Math.floor(count / SKETCH_SAMPLE));
    const sample = new Float64Array(Math.ceil(count / stride));
    let sampled = 0;
    let untilSample = 0;
    const kind = metric.normalization;
    const lo = kind === 'log' ? logMin : min;
    const range = (kind === 'log' ? logMax : max) - lo;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(raw[i] as number)) {
        out[i] = missingValue;
        continue;
      }
      const x = out[i] as number;
      if (untilSample-- === 0) {
        sample[sampled++] = x;
        untilSample = stride - 1;
      }
      let v: number;
      if (kind === 'minmax') v = range > 0 ? (x - lo) / range : 0.5;
      else if (kind === 'log') v = range > 0 ? (logValue(x) - lo) / range : 0.5;
      else if (kind === 'zscore') v = std > 0 ? normalCdf((x - mean) / std) : 0.5;
      else v = x;
      out[i] = lower ? (kind === 'none' ? -v : 1 - v) : v;
    }
    sketch = sketchOfSorted(sample.sort());
  }
  return {
    values: out,
    stats: { metric: normalizeName(metric.name), count, min, max, mean, std, logMin, logMax, sketch },
  };
}

/** Replaces each present x in `out` by its mid-rank (L + E/2)/|P|; returns the exact sketch. */
function percentileInPlace(raw: Float64Array, out: Float64Array, count: number): number[] {
  const temp = scratchFor(raw.length);
  const present = temp.present;
  const values = temp.values.subarray(0, count);
  for (let i = 0, m = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i] as number)) continue;
    present[m] = i;
    values[m++] = out[i] as number;
  }
  const { order, sorted } = sortNumbers(values, false, temp.sort);
  for (let start = 0; start < count; ) {
    const x = sorted[start] as number;
    let end = start + 1;
    while (end < count && sorted[end] === x) end++;
    const fraction = (start + (end - start) / 2) / count;
    for (let k = start; k < end; k++) out[present[order[k] as number] as number] = fraction;
    start = end;
  }
  return sketchOfSorted(sorted);
}

/** Step 6: r and score = Σ w·n·r per partner, contributions summed in model order. */
function weightedScores(
  model: ScoringModel,
  normalized: Float64Array[],
  n: number,
): { scores: Float64Array; scale: Float64Array } {
  const weights = model.metrics.map((metric) => metric.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const scale = new Float64Array(n).fill(1);
  const dropping = model.metrics.flatMap((metric, j) => (metric.missing === 'exclude' ? [j] : []));
  if (dropping.length > 0) {
    // Kept weights summed per partner in model order, exactly as the explanation sums them.
    const kept = new Float64Array(n);
    const anyDropped = new Uint8Array(n);
    for (let j = 0; j < normalized.length; j++) {
      const col = normalized[j] as Float64Array;
      const w = weights[j] as number;
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(col[i] as number)) anyDropped[i] = 1;
        else kept[i] = (kept[i] as number) + w;
      }
    }
    for (let i = 0; i < n; i++) {
      if (anyDropped[i] === 0) continue;
      const k = kept[i] as number;
      // Everything dropped (or only zero weights kept): score 0.
      scale[i] = k > 0 ? total / k : 0;
    }
  }
  const scores = new Float64Array(n);
  if (dropping.length === 0) {
    // One pass over all columns, summed in model order from 0 (the same additions, in the same
    // order, as one pass per column): each score is read and written once.
    const m = normalized.length;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++)
        sum += (weights[j] as number) * ((normalized[j] as Float64Array)[i] as number);
      scores[i] = sum;
    }
    return { scores, scale };
  }
  for (let j = 0; j < normalized.length; j++) {
    const col = normalized[j] as Float64Array;
    const w = weights[j] as number;
    for (let i = 0; i < n; i++) {
      const v = col[i] as number;
      if (!Number.isNaN(v)) scores[i] = (scores[i] as number) + w * v * (scale[i] as number);
    }
  }
  return { scores, scale };
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

function assignTiers(
  model: ScoringModel,
  scores: Float64Array,
  previousTiers: ReadonlyArray<string | null | undefined> | Int32Array | undefined,
): Int32Array {
  const n = scores.length;
  const tierIndex = new Int32Array(n);
  const byName = new Map(model.tiers.map((tier, k) => [tier.name, k]));
  const floors = Float64Array.from(model.tiers, (tier) => tier.minScore - model.tierHysteresis);
  const indices = previousTiers instanceof Int32Array ? previousTiers : undefined;
  const names = previousTiers instanceof Int32Array ? undefined : previousTiers;
  for (let i = 0; i < n; i++) {
    const score = scores[i] as number;
    let tier = tierIndexOf(model, score);
    let previous = -1;
    if (indices !== undefined) previous = indices[i] as number;
    else {
      const previousName = names?.[i];
      if (previousName != null) previous = byName.get(previousName) ?? -1;
    }
    // Hysteresis only holds a higher previous tier; it never promotes.
    if (previous >= 0 && (tier === -1 || previous < tier) && score >= (floors[previous] as number)) {
      tier = previous;
    }
    tierIndex[i] = tier;
  }
  return tierIndex;
}
