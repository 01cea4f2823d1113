import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestNumbers, mergeSortedRuns, sortNumbers } from '#core/scoring/sort-keys.ts';

const reference = (values: number[], descending: boolean) =>
  values
    .map((value, index) => ({ value: value + 0, index }))
    .sort((a, b) => (descending ? b.value - a.value : a.value - b.value) || a.index - b.index)
    .map(({ index }) => index);

describe('sortNumbers', () => {
  it('is a stable numeric sort of the indices, either way', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ noNaN: true }),
      fc.constantFrom(-0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.boolean(), (values, descending) => {
        const { order, sorted } = sortNumbers(Float64Array.from(values), descending);
        const expected = reference(values, descending);
        expect(Array.from(order)).toEqual(expected);
        expect(Array.from(sorted)).toEqual(expected.map((i) => (values[i] as number) + 0));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts more keys than one radix bucket holds', () => {
    const values = Float64Array.from({ length: 70_000 }, (_, i) => ((i * 7919) % 70_001) - 35_000.5);
    const { order, sorted } = sortNumbers(values);
    let misplaced = 0;
    for (let k = 0; k < order.length; k++) {
      const value = values[order[k] as number] as number;
      if (sorted[k] !== value || (k > 0 && value < (sorted[k - 1] as number))) misplaced++;
    }
    expect(new Set(order).size).toBe(values.length);
    expect(misplaced).toBe(0);
  });

  it('handles no keys', () => {
    expect(sortNumbers(new Float64Array(0))).toEqual({
      order: new Uint32Array(0),
      sorted: new Float64Array(0),
    });
  });

  it('sorting consecutive runs apart and merging them gives the whole sort, bit for bit', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double(),
      fc.constantFrom(-0, 0, Number.NaN, -Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (list, runs, descending) => {
          const values = Float64Array.from(list);
          const n = values.length;
          const bounds = Array.from({ length: runs + 1 }, (_, r) => Math.floor((r * n) / runs));
          const parts = { order: new Uint32Array(n), sorted: new Float64Array(n) };
          for (let r = 0; r < runs; r++) {
            const lo = bounds[r] as number;
            const hi = bounds[r + 1] as number;
            const run = sortNumbers(values.subarray(lo, hi), descending);
            parts.order.set(
              run.order.map((i) => i + lo),
              lo,
            );
            parts.sorted.set(run.sorted, lo);
          }
          const merged = { order: new Uint32Array(n), sorted: new Float64Array(n) };
          mergeSortedRuns(parts, bounds, descending, merged);
          const whole = sortNumbers(values, descending);
          expect(Array.from(merged.order)).toEqual(Array.from(whole.order));
          expect(Buffer.from(merged.sorted.buffer).equals(Buffer.from(whole.sorted.buffer))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('largestNumbers', () => {
  it('is the k largest values, largest first, as a full sort gives them', () => {
    const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.nat(320), (values, k) => {
        const expected = Float64Array.from(values).sort().reverse().subarray(0, Math.min(k, values.length));
        // + 0: −0 and 0 are equal keys; either may be kept.
        const plain = (keys: Float64Array) => Array.from(keys, (key) => key + 0);
        expect(plain(largestNumbers(Float64Array.from(values), k))).toEqual(plain(expected));
      }),
      { numRuns: 500 },
    );
  });
});
