import { describe, expect, it } from 'vitest';
import { erfc, normalCdf } from '#core/scoring/normal-cdf.ts';

// Reference values of Φ computed with arbitrary precision (mpmath), spanning all three of Cody's intervals.
// Kept as strings: they carry more digits than a double holds.
const PHI: [number, string][] = [
  [0, '0.5'],
  [0.1, '0.53982783727702898'],
  [-0.3, '0.38208857781104737'],
  [0.5, '0.6914624612740131'],
  [1, '0.84134474606854295'],
  [-1, '0.15865525393145705'],
  [1.96, '0.97500210485177956'],
  [2, '0.97724986805182079'],
  [-3, '0.0013498980316300945'],
  [-6, '9.8658764503769814e-10'],
  [8, '0.99999999999999938'],
  [-10, '7.6198530241605261e-24'],
];

describe('normalCdf', () => {
  it.each(PHI)('Φ(%d) matches the reference to 1e-12 relative', (z, reference) => {
    const expected = Number(reference);
    expect(Math.abs(normalCdf(z) - expected)).toBeLessThanOrEqual(1e-12 * expected);
  });

  it('is symmetric and monotone', () => {
    let previous = 0;
    for (let z = -8; z <= 8; z += 0.01) {
      const p = normalCdf(z);
      expect(p).toBeGreaterThanOrEqual(previous);
      expect(p + normalCdf(-z)).toBeCloseTo(1, 14);
      previous = p;
    }
  });

  it('saturates at the tails and propagates NaN', () => {
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(erfc(0)).toBe(1);
    expect(Number.isNaN(normalCdf(Number.NaN))).toBe(true);
  });
});
