import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { isStorableNumber } from '#core/numbers.ts';
import { previewModel } from '#core/scoring/preview.ts';
import { NORMALIZATIONS } from './arbitraries.ts';
import { modelOf, RUN_TIME, scoreAll } from './fixtures.ts';

/** The largest double below 1e126: the top of the stored range. */
const TOP = 9.999999999999998e125;

/** Storable magnitudes at and near both ends of the range, of either sign, and 0. */
const extreme = fc.oneof(
  fc.constantFrom(0, TOP, -TOP, 1e-130, -1e-130, 1e125, -1e125),
  fc.double({ min: -TOP, max: TOP, noNaN: true }).filter(isStorableNumber),
);

describe('the stored number range', () => {
  it('is 0 and 1e-130 ≤ |x| < 1e126, as DynamoDB stores numbers', () => {
    for (const x of [0, -0, 1e-130, -1e-130, TOP, -TOP, 1, -42.5, 5e-100, 1e125]) {
      expect(isStorableNumber(x), String(x)).toBe(true);
    }
    for (const x of [
      1e126,
      -1e126,
      9.999999999999999e-131,
      1e-200,
      -1e-131,
      1e200,
      Infinity,
      -Infinity,
      NaN,
    ]) {
      expect(isStorableNumber(x), String(x)).toBe(false);
    }
  });

  it('keeps every score finite for storable weights and values, whatever the model', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            weight: fc.constantFrom(0, 1e-130, 1, TOP),
            normalization: fc.constantFrom(...NORMALIZATIONS),
            direction: fc.constantFrom('higher', 'lower'),
            missing: fc.constantFrom('zero', 'neutral', 'exclude'),
            cap: fc.constantFrom(
              { min: null, max: null },
              { min: -TOP, max: TOP },
              { min: 1e-130, max: TOP },
            ),
            halfLifeDays: fc.constantFrom(null, 1e-130, 1, TOP),
          }),
          { minLength: 1, maxLength: 50 },
        ),
        fc.array(fc.array(fc.option(extreme), { minLength: 50, maxLength: 50 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (metrics, rows) => {
          const model = modelOf(metrics);
          const partners = rows.map((values, i) => ({
            id: `p${i}`,
            metrics: Object.fromEntries(values.flatMap((v, j) => (v === null ? [] : [[`m${j}`, v]]))),
          }));
          for (const score of scoreAll(model, partners).scores) expect(Number.isFinite(score)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a preview whose scores would overflow (values beyond the range) instead of a null score', () => {
    const active = modelOf([{ name: 'sales', weight: 1 }]);
    const candidate = modelOf([{ name: 'sales', weight: 1e125, normalization: 'none' }]);
    const partners = [
      { id: 'huge', asOf: new Date(RUN_TIME).toISOString(), metrics: { sales: 1e300 } },
      { id: 'small', asOf: new Date(RUN_TIME).toISOString(), metrics: { sales: 1 } },
    ];
    const preview = () =>
      previewModel(partners, active, candidate, { runTimeMs: RUN_TIME, currentTiers: [] });
    expect(preview).toThrow(ValidationError);
    expect(preview).toThrow(
      expect.objectContaining({
        errors: [
          { path: '/metrics', message: expect.stringMatching(/^scores partner huge at Infinity: lower/) },
        ],
      }),
    );
  });
});
