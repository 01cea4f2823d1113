import type { MetricSpec, ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { type PartnerColumns, projectColumns } from './columns.ts';
import { type BlockStats, type KernelName, STATS_BLOCK } from './kernels.ts';
import { decayAndCap, logValue } from './metric-values.ts';
import { sketchOfSorted } from './quantile-sketch.ts';
import { type KernelTask, runKernelTask, scoringPool, scoringThreads } from './scoring-pool.ts';
import { mergeSortedRuns, type SortedNumbers } from './sort-keys.ts';

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
  /**
   * Partners per block of the statistics' partial sums (default 65,536). The statistics' last bits
   * depend on it, never on the thread count; tests set it small to split small populations.
   */
  blockSize?: number;
}

/** How {@link scorePopulationThreaded} may use worker threads. */
export interface ScoringThreadsOptions {
  /** Threads to use (default {@link scoringThreads}: `SCORING_THREADS` or the available cores). */
  threads?: number;
  /** Fewer partners than this are scored on the calling thread: starting workers costs more. */
  minPartners?: number;
}

/** Below this many partners `scorePopulationThreaded` stays on the calling thread. */
export const THREADED_MIN_PARTNERS = 200_000;

/**
 * One step of the computation: a kernel over every block of `n` partners (`blocks`: results per
 * block, in block order) or over one range per thread (`ranges`: the range bounds come back).
 */
interface Step {
  split: 'blocks' | 'ranges';
  kernel: KernelName;
  args: unknown;
  n: number;
}

interface Scratch {
  present: Uint32Array;
  values: Float64Array;
  runs: SortedNumbers;
  /** Where sorted runs are merged: allocated on the first merge (the one-thread path never merges). */
  merged?: SortedNumbers;
}

/** Where the arrays of a computation live: ordinary memory on one thread, shared with the workers. */
interface Memory {
  f64(n: number): Float64Array;
  i32(n: number): Int32Array;
  /** The array itself when the workers can read it, else a copy they can. */
  share<T extends Float64Array | Int32Array>(array: T): T;
  /** Temporaries of the sorts, reused across calls (at a million partners they are tens of MB). */
  scratch(n: number): Scratch;
  /** The scratch's merge target, at least `n` long. */
  merged(n: number): SortedNumbers;
}

function memoryOf(shared: boolean): Memory {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const f64 = (n: number) => new Float64Array(buffer(8 * n));
  const u32 = (n: number) => new Uint32Array(buffer(4 * n));
  let scratch: Scratch | undefined;
  return {
    f64,
    i32: (n) => new Int32Array(buffer(4 * n)),
    share: (array) => {
      if (!shared || array.buffer instanceof SharedArrayBuffer) return array;
      const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => typeof array)(
        new SharedArrayBuffer(array.byteLength),
      );
      copy.set(array);
      return copy;
    },
    merged: (n) => {
      const current = scratch?.merged;
      if (current !== undefined && current.order.length >= n) return current;
      const size = Math.max(n, 1024);
      const merged = { order: u32(size), sorted: f64(size) };
      if (scratch) scratch.merged = merged;
      return merged;
    },
    scratch: (n) => {
      // Allocating these per call makes V8 run extra full collections (external memory pressure).
      if (scratch === undefined || scratch.present.length < n) {
        const size = Math.max(n, 1024);
        scratch = {
          present: u32(size),
          values: f64(size),
          runs: { order: u32(size), sorted: f64(size) },
        };
      }
      return scratch;
    },
  };
}

const LOCAL = memoryOf(false);
const SHARED = memoryOf(true);

// Sample size for the sketch of metrics that are not sorted anyway.
const SKETCH_SAMPLE = 4096;
const NO_VALUES = new Float64Array(0);

/**
 * Scores a whole population under a model (contract §5): normalised values, scores, tiers with
 * hysteresis, ranks and percentiles, plus the compact statistics for provisional scores.
 * Columnar throughout: O(N·metrics) plus radix sorts, no per-partner objects. Columns built for
 * another metric list are matched to the model's metrics by name (missing ones count as missing).
 * On the calling thread; {@link scorePopulationThreaded} gives the same bits on several.
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

// The threaded path reuses one set of shared temporaries: one computation at a time.
let threadedQueue: Promise<unknown> = Promise.resolve();

/**
 * {@link scorePopulation} on worker threads over column chunks (statistics as per-block partial sums
 * added in block order, chunks sorted apart and merged stably), byte for byte the same result.
 * Populations under `minPartners` (default {@link THREADED_MIN_PARTNERS}), or one thread, stay on the
 * calling thread. Input columns not in `SharedArrayBuffer`s are copied into shared ones first.
 */
export async function scorePopulationThreaded(
  model: ScoringModel,
  input: PartnerColumns,
  options: ScorePopulationOptions,
  threading: ScoringThreadsOptions = {},
): Promise<PopulationScores> {
  const threads = threadsFor(input.ids.length, threading);
  if (threads === 1) return scorePopulation(model, input, options);
  const blockSize = options.blockSize ?? STATS_BLOCK;
  const run = threadedQueue.then(async () => {
    const pool = scoringPool(threads - 1);
    const steps = scoreSteps(model, input, options, SHARED);
    let step = steps.next();
    while (!step.done) {
      const { split, kernel, args, n } = step.value;
      const blocks = Math.ceil(n / blockSize);
      const parts = Math.min(threads, split === 'blocks' ? blocks : n);
      if (parts <= 1) {
        step = steps.next(runHere(step.value, blockSize));
        continue;
      }
      const edges = Array.from({ length: parts + 1 }, (_, w) =>
        Math.floor((w * (split === 'blocks' ? blocks : n)) / parts),
      );
      const tasks = edges.slice(0, -1).map((from, w) => ({
        kernel,
        args,
        ranges:
          split === 'blocks'
            ? blockRanges(from, edges[w + 1] as number, blockSize, n)
            : [[from, edges[w + 1] as number] as [number, number]],
      }));
      // The calling thread takes the first part itself while the workers do the others.
      const others = pool.run(tasks.slice(1));
      const results = [runKernelTask(tasks[0] as KernelTask), ...(await others)];
      step = steps.next(split === 'blocks' ? results.flat() : edges);
    }
    return step.value;
  });
  threadedQueue = run.catch(() => undefined);
  return run;
}

/**
 * Starts the workers {@link scorePopulationThreaded} will use for `partners` partners, if any, so
 * that they load while the caller still reads its data (a worker takes a few hundred ms to start).
 */
export function startScoringThreads(partners: number, threading: ScoringThreadsOptions = {}): void {
  const threads = threadsFor(partners, threading);
  if (threads > 1) scoringPool(threads - 1).start();
}

/** The threads {@link scorePopulationThreaded} uses for `partners` partners (1 = the calling thread). */
export function threadsFor(partners: number, threading: ScoringThreadsOptions = {}): number {
  const threads = threading.threads ?? scoringThreads();
  return partners < (threading.minPartners ?? THREADED_MIN_PARTNERS) ? 1 : Math.max(1, threads);
}

function blockRanges(from: number, to: number, blockSize: number, n: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let b = from; b < to; b++) ranges.push([b * blockSize, Math.min(n, (b + 1) * blockSize)]);
  return ranges;
}

/** A step on the calling thread: every block in turn, or the whole range as one. */
function runHere(step: Step, blockSize: number): unknown {
  if (step.split === 'ranges') {
    runKernelTask({ kernel: step.kernel, args: step.args, ranges: [[0, step.n]] });
    return [0, step.n];
  }
  const ranges = blockRanges(0, Math.ceil(step.n / blockSize), blockSize, step.n);
  return runKernelTask({ kernel: step.kernel, args: step.args, ranges });
}

/** The computation, as steps a driver runs (on this thread or on the pool) and feeds back. */
function* scoreSteps(
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
