/**
 * Worker threads for `scorePopulation`'s kernels (`kernels.ts`): one pool per process, started on
 * first use, its size from `SCORING_THREADS` or `os.availableParallelism()`. Column buffers travel as
 * `SharedArrayBuffer`s (the caller shares them), so a message carries views, never copies.
 *
 * The worker is this very module, started again with a marker in its `workerData`: from the sources
 * it loads this file and the kernels alone; inside an esbuild bundle `import.meta.url` is the bundle
 * itself, so the bundled function re-enters its own file and needs no second entry point.
 */
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { KERNELS, type KernelName } from './kernels.ts';

const WORKER_MARKER = 'partnerScoringWorker';

/** One kernel over ranges: per range the kernel's result, in range order. */
export interface KernelTask {
  kernel: KernelName;
  args: unknown;
  /** `[lo, hi)` pairs, run in order by one thread. */
  ranges: [number, number][];
}

interface TaskMessage extends KernelTask {
  id: number;
}

type ReplyMessage = { id: number; results: unknown[] } | { id: number; error: string };

/** Runs a task's kernel over its ranges in this thread. */
export function runKernelTask(task: KernelTask): unknown[] {
  const kernel = KERNELS[task.kernel] as (args: unknown, lo: number, hi: number) => unknown;
  return task.ranges.map(([lo, hi]) => kernel(task.args, lo, hi));
}

/**
 * Threads `scorePopulation` may use: `SCORING_THREADS` when set (1 = never start a worker), else the
 * cores Node reports available.
 */
export function scoringThreads(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env.SCORING_THREADS;
  if (configured !== undefined && configured.trim() !== '') {
    const threads = Number(configured);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new RangeError(`SCORING_THREADS must be a whole number from 1 to 256, not "${configured}"`);
    }
    return threads;
  }
  return os.availableParallelism();
}

/** A fixed set of workers that run kernel tasks; idle workers do not keep the process alive. */
export class ScoringPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { worker: Worker; resolve: (results: unknown[]) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  /** Workers (the calling thread waits while they work, so it is not one of them). */
  readonly size: number;

  // No parameter property: a worker loads this file with Node's type stripping, which has none.
  constructor(size: number) {
    this.size = size;
  }

  /** Runs each task on its own worker (task k on worker k mod size); results in task order. */
  run(tasks: KernelTask[]): Promise<unknown[][]> {
    return Promise.all(tasks.map((task, k) => this.send(this.worker(k % this.size), task)));
  }

  /** Workers running now. */
  get started(): number {
    return this.workers.filter((worker) => worker !== undefined).length;
  }

  /** Starts every worker now (each loads its code meanwhile), instead of at its first task. */
  start(): void {
    for (let k = 0; k < this.size; k++) this.worker(k);
  }

  /** Stops every worker (tests, and processes that want to exit at once). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private worker(k: number): Worker {
    let worker = this.workers[k];
    if (worker === undefined) {
      worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_MARKER]: true } });
      worker.unref();
      worker.on('message', (reply: ReplyMessage) => this.settle(reply));
      const started = worker;
      worker.on('error', (error) => this.fail(started, error));
      worker.on('exit', (code) => this.fail(started, new Error(`a scoring worker exited with code ${code}`)));
      this.workers[k] = worker;
    }
    return worker;
  }

  private send(worker: Worker, task: KernelTask): Promise<unknown[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      // Referenced while it works, so that a process waiting only for scoring does not exit.
      worker.ref();
      worker.postMessage({ id, ...task } satisfies TaskMessage);
    });
  }

  private settle(reply: ReplyMessage): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    this.pending.delete(reply.id);
    this.release(entry.worker);
    if ('error' in reply) entry.reject(new Error(`scoring worker: ${reply.error}`));
    else entry.resolve(reply.results);
  }

  private fail(worker: Worker, error: Error): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers[index] = undefined as unknown as Worker;
    for (const [id, entry] of this.pending) {
      if (entry.worker !== worker) continue;
      this.pending.delete(id);
      entry.reject(error);
    }
  }

  private release(worker: Worker): void {
    for (const entry of this.pending.values()) if (entry.worker === worker) return;
    worker.unref();
  }
}

const pools = new Map<number, ScoringPool>();

/** The process's pool of `threads` workers, started on first use and kept. */
export function scoringPool(threads: number): ScoringPool {
  let pool = pools.get(threads);
  if (pool === undefined) {
    pool = new ScoringPool(threads);
    pools.set(threads, pool);
  }
  return pool;
}

// In a worker started by the pool: answer kernel tasks until the pool terminates this thread.
if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[WORKER_MARKER] === true) {
  const port = parentPort;
  port.on('message', (task: TaskMessage) => {
    try {
      port.postMessage({ id: task.id, results: runKernelTask(task) } satisfies ReplyMessage);
    } catch (error) {
      port.postMessage({
        id: task.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies ReplyMessage);
    }
  });
}
