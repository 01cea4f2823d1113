/**
 * The per-range computations of `scorePopulation`, shared by its one-thread path and the worker
 * threads (`scoring-pool.ts`): each reads and writes typed arrays on `[lo, hi)` only and returns a
 * small value, so the same code gives the same bits whichever thread runs which range. Only type
 * imports of the model: a worker thread loads this module graph alone, and it must stay small.
 */
import type { MetricSpec } from '../model/scoring-model.ts';
import { decayAndCap, logValue } from './metric-values.ts';
import { normalCdf } from './normal-cdf.ts';
import { sortNumbers } from './sort-keys.ts';

/**
 * Partners per block of the statistics' partial sums. Fixed, not derived from the thread count: the
 * sums of each block are added in block order, so every thread count gives the same bits.
 */
export const STATS_BLOCK = 1 << 16;

/** Partial statistics of one block of a metric column (sums of x − shift). */
export interface BlockStats {
  count: number;
  min: number;
  max: number;
  sum: number;
  squares: number;
}

export interface StatsArgs {
  metric: MetricSpec;
  raw: Float64Array;
  asOfMs: Float64Array;
  timeMs: number;
  /** Receives x after decay and cap at each present position. */
  out: Float64Array;
  /** The population's first present x: sums are of x − shift (keeps the one-pass variance accurate). */
  shift: number;
}

/** Statistics pass: x after decay and cap into `out`, count, min, max and shifted sums of the block. */
function stats(a: StatsArgs, lo: number, hi: number): BlockStats {
  const { metric, raw, asOfMs, timeMs, out, shift } = a;
  const transformed = metric.halfLifeDays !== null || metric.cap.min !== null || metric.cap.max !== null;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let squares = 0;
  for (let i = lo; i < hi; i++) {
    let x = raw[i] as number;
    if (Number.isNaN(x)) continue; // missing
    if (transformed) x = decayAndCap(metric, x, asOfMs[i] as number, timeMs);
    out[i] = x;
    count++;
    const d = x - shift;
    sum += d;
    squares += d * d;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count, min, max, sum, squares };
}

export interface DeviationsArgs {
  raw: Float64Array;
  out: Float64Array;
  mean: number;
  scale: number;
}

/** Σ ((x − mean)/scale)² over the block's present values (the exact two-pass σ of `zscore`). */
function deviations(a: DeviationsArgs, lo: number, hi: number): number {
  const { raw, out, mean, scale } = a;
  let sum = 0;
  for (let i = lo; i < hi; i++) {
    if (Number.isNaN(raw[i] as number)) continue;
    const d = ((out[i] as number) - mean) / scale;
    sum += d * d;
  }
  return sum;
}

export interface NormalizeArgs {
  raw: Float64Array;
  out: Float64Array;
  kind: 'none' | 'minmax' | 'log' | 'zscore';
  lower: boolean;
  missingValue: number;
  /** min (or logMin for `log`) and its range. */
  low: number;
  range: number;
  mean: number;
  std: number;
  /** The sketch samples every `stride`-th present value. */
  stride: number;
  /** Present values before each block (index = block number), to place the samples. */
  presentBefore: number[];
  blockSize: number;
}

/** Normalisation, direction and missing policy of the block; returns its sketch samples. */
function normalize(a: NormalizeArgs, lo: number, hi: number): number[] {
  const { raw, out, kind, lower, missingValue, low, range, mean, std, stride } = a;
  let present = a.presentBefore[Math.floor(lo / a.blockSize)] as number;
  const sample: number[] = [];
  for (let i = lo; i < hi; i++) {
    if (Number.isNaN(raw[i] as number)) {
      out[i] = missingValue;
      continue;
    }
    const x = out[i] as number;
    if (present++ % stride === 0) sample.push(x);
    let v: number;
    if (kind === 'minmax') v = range > 0 ? (x - low) / range : 0.5;
    else if (kind === 'log') v = range > 0 ? (logValue(x) - low) / range : 0.5;
    else if (kind === 'zscore') v = std > 0 ? normalCdf((x - mean) / std) : 0.5;
    else v = x;
    out[i] = lower ? (kind === 'none' ? -v : 1 - v) : v;
  }
  return sample;
}

export interface GatherArgs {
  raw: Float64Array;
  out: Float64Array;
  presentBefore: number[];
  blockSize: number;
  /** Receive, from the block's first present value on, each present partner's index and x. */
  present: Uint32Array;
  values: Float64Array;
}

/** Percentile, step one: the block's present partners and their x, packed at their present index. */
function gather(a: GatherArgs, lo: number, hi: number): void {
  const { raw, out, present, values } = a;
  let m = a.presentBefore[Math.floor(lo / a.blockSize)] as number;
  for (let i = lo; i < hi; i++) {
    if (Number.isNaN(raw[i] as number)) continue;
    present[m] = i;
    values[m++] = out[i] as number;
  }
}

export interface FinishPercentileArgs {
  raw: Float64Array;
  out: Float64Array;
  lower: boolean;
  missingValue: number;
}

/** Percentile, last step: missing policy and direction over the mid-rank fractions. */
function finishPercentile(a: FinishPercentileArgs, lo: number, hi: number): void {
  const { raw, out, lower, missingValue } = a;
  for (let i = lo; i < hi; i++) {
    if (Number.isNaN(raw[i] as number)) out[i] = missingValue;
    else if (lower) out[i] = 1 - (out[i] as number);
  }
}

export interface WeightedArgs {
  normalized: Float64Array[];
  weights: number[];
  /** Σ weights. */
  total: number;
  /** Some metric drops missing values (`exclude`): weights are rescaled per partner. */
  dropping: boolean;
  scores: Float64Array;
  scale: Float64Array;
}

/** Step 6: r and score = Σ w·n·r per partner, contributions summed in model order from 0. */
function weighted(a: WeightedArgs, lo: number, hi: number): void {
  const { normalized, weights, total, scores, scale } = a;
  const m = normalized.length;
  if (!a.dropping) {
    for (let i = lo; i < hi; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++)
        sum += (weights[j] as number) * ((normalized[j] as Float64Array)[i] as number);
      scores[i] = sum;
      scale[i] = 1;
    }
    return;
  }
  for (let i = lo; i < hi; i++) {
    // Kept weights summed in model order, exactly as the explanation sums them.
    let kept = 0;
    let dropped = false;
    for (let j = 0; j < m; j++) {
      if (Number.isNaN((normalized[j] as Float64Array)[i] as number)) dropped = true;
      else kept += weights[j] as number;
    }
    // Everything dropped (or only zero weights kept): score 0.
    const r = dropped ? (kept > 0 ? total / kept : 0) : 1;
    scale[i] = r;
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const v = (normalized[j] as Float64Array)[i] as number;
      if (!Number.isNaN(v)) sum += (weights[j] as number) * v * r;
    }
    scores[i] = sum;
  }
}

export interface SortArgs {
  values: Float64Array;
  descending: boolean;
  /** Receive, on `[lo, hi)`, the indices (into `values`) of the range in sorted order and the values so. */
  order: Uint32Array;
  sorted: Float64Array;
}

/** Stable radix sort of one range of `values` (see `sortNumbers`); the ranges are merged after. */
function sortRange(a: SortArgs, lo: number, hi: number): void {
  const order = a.order.subarray(lo, hi);
  sortNumbers(a.values.subarray(lo, hi), a.descending, { order, sorted: a.sorted.subarray(lo, hi) });
  if (lo > 0) for (let k = 0; k < order.length; k++) order[k] = (order[k] as number) + lo;
}

export interface TiersArgs {
  scores: Float64Array;
  /** Each tier's minScore, tiers strictly descending. */
  minScores: number[];
  /** Each tier's minScore − hysteresis. */
  floors: number[];
  /** Previous tier index per partner (negative: none), or null when no partner has one. */
  previous: Int32Array | null;
  tierIndex: Int32Array;
}

/** Tiers with hysteresis: a higher previous tier is held while score ≥ its floor; never promotes. */
function tiers(a: TiersArgs, lo: number, hi: number): void {
  const { scores, minScores, floors, previous, tierIndex } = a;
  const k = minScores.length;
  for (let i = lo; i < hi; i++) {
    const score = scores[i] as number;
    let tier = -1;
    for (let t = 0; t < k; t++) {
      if ((minScores[t] as number) <= score) {
        tier = t;
        break;
      }
    }
    const held = previous === null ? -1 : (previous[i] as number);
    if (held >= 0 && (tier === -1 || held < tier) && score >= (floors[held] as number)) tier = held;
    tierIndex[i] = tier;
  }
}

/** Every kernel by name, as the pool's messages name them. */
export const KERNELS = {
  stats,
  deviations,
  normalize,
  gather,
  finishPercentile,
  weighted,
  sortRange,
  tiers,
} as const;

export type KernelName = keyof typeof KERNELS;
