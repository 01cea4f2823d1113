import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argsortNumbers } from '#core/scoring/sort-keys.ts';

const reference = (values: number[], descending: boolean) =>
  values
    .map((value, index) => ({ value: value + 0, index }))
    .sort((a, b) => (descending ? b.value - a.value : a.value - b.value) || a.index - b.index)
    .map(({ index }) => index);

describe('argsortNumbers', () => {
  it('is a stable numeric sort of the indices, either way', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ noNaN: true }),
      fc.constantFrom(-0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.boolean(), (values, descending) => {
        expect(Array.from(argsortNumbers(Float64Array.from(values), descending))).toEqual(
          reference(values, descending),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('sorts more keys than one radix bucket holds', () => {
    const values = Float64Array.from({ length: 70_000 }, (_, i) => ((i * 7919) % 70_001) - 35_000.5);
    const order = argsortNumbers(values);
    for (let k = 1; k < order.length; k++) {
      expect(values[order[k] as number]).toBeGreaterThanOrEqual(values[order[k - 1] as number] as number);
    }
  });

  it('handles no keys', () => {
    expect(argsortNumbers(new Float64Array(0))).toEqual(new Uint32Array(0));
  });
});
