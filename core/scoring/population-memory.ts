import type { SortedNumbers } from './sort-keys.ts';

/** Temporaries of the sorts of one computation. */
interface Scratch {
  present: Uint32Array;
  values: Float64Array;
  runs: SortedNumbers;
  /** Where sorted runs are merged: allocated on the first merge (the one-thread path never merges). */
  merged?: SortedNumbers;
}

/** Where the arrays of a computation live: ordinary memory on one thread, shared with the workers. */
export interface Memory {
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

/** Ordinary memory, for a computation on the calling thread. */
export const LOCAL = memoryOf(false);
/** Shared memory, for a computation the workers take part in. */
export const SHARED = memoryOf(true);
