import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortNumbers } from '#core/scoring/sort-keys.ts';

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
});
