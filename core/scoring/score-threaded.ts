import type { ScoringModel } from '../model/scoring-model.ts';
import type { PartnerColumns } from './columns.ts';
import { STATS_BLOCK } from './kernels.ts';
import { SHARED } from './population-memory.ts';
import { scoreSteps } from './population-steps.ts';
import type { PopulationScores, ScorePopulationOptions } from './population-types.ts';
import { blockRanges, runHere, scorePopulation } from './score-population.ts';
import { type KernelTask, runKernelTask, scoringPool, scoringThreads } from './scoring-pool.ts';

/** How {@link scorePopulationThreaded} may use worker threads. */
export interface ScoringThreadsOptions {
  /** Threads to use (default {@link scoringThreads}: `SCORING_THREADS` or the available cores). */
  threads?: number;
  /** Fewer partners than this are scored on the calling thread: starting workers costs more. */
  minPartners?: number;
}

/** Below this many partners `scorePopulationThreaded` stays on the calling thread. */
export const THREADED_MIN_PARTNERS = 200_000;

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
