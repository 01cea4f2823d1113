import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, SEED_PRESET } from '#core/model/presets.ts';
import { daysBefore, modelOf, SEED_PARTNERS, scoreAll, single } from './fixtures.ts';

const normalizedOf = (metric: Record<string, unknown>, values: (number | undefined)[]) =>
  Array.from(scoreAll(modelOf([metric]), single(values)).normalized[0] as Float64Array);

describe('seed preset', () => {
  it("reproduces the seed document's formula on its four partners", () => {
    const result = scoreAll(SEED_PRESET, SEED_PARTNERS);
    const byId = Object.fromEntries(SEED_PARTNERS.map((p, i) => [p.id, result.scores[i] as number]));
    expect(byId.PartnerD).toBeCloseTo(6054.1, 9);
    expect(byId.PartnerB).toBeCloseTo(4042.5, 9);
    expect(byId.PartnerC).toBeCloseTo(3034.9, 9);
    expect(byId.PartnerA).toBeCloseTo(2030.3, 9);
    expect(Array.from(result.order, (i) => SEED_PARTNERS[i]?.id)).toEqual([
      'PartnerD',
      'PartnerB',
      'PartnerC',
      'PartnerA',
    ]);
  });

  it('scores the seed partners under the default model on 0–100 points', () => {
    const result = scoreAll(DEFAULT_MODEL, SEED_PARTNERS);
    // PartnerD holds every maximum, PartnerA every minimum but reputation (90 of 85–98).
    expect(result.scores[3]).toBe(100);
    expect(result.scores[0]).toBeCloseTo(25 * (5 / 13), 12);
  });
});

describe('normalisations', () => {
  it('none passes values through', () => {
    expect(normalizedOf({ normalization: 'none' }, [-3, 0, 7.5])).toEqual([-3, 0, 7.5]);
  });

  it('minmax maps the present range onto 0–1, ties share a value', () => {
    expect(normalizedOf({ normalization: 'minmax' }, [10, 20, 40])).toEqual([0, 1 / 3, 1]);
    expect(normalizedOf({ normalization: 'minmax' }, [5, 5, 10])).toEqual([0, 0, 1]);
  });

  it('log min-maxes ln(1 + max(x, 0)), so negative values count as 0', () => {
    const n = normalizedOf({ normalization: 'log' }, [-5, 0, Math.E - 1, Math.E ** 2 - 1]);
    expect(n[0]).toBe(0);
    expect(n[1]).toBe(0);
    expect(n[2]).toBeCloseTo(0.5, 12);
    expect(n[3]).toBe(1);
  });

  it('zscore is Φ of the standard score with the population σ', () => {
    const n = normalizedOf({ normalization: 'zscore' }, [1, 2, 3]);
    expect(n[0]).toBeCloseTo(0.11033568095992344, 12);
    expect(n[1]).toBe(0.5);
    expect(n[2]).toBeCloseTo(0.8896643190400766, 12);
    const skewed = normalizedOf({ normalization: 'zscore' }, [0, 0, 0, 10]);
    expect(skewed[0]).toBeCloseTo(0.28185143082538655, 12);
    expect(skewed[3]).toBeCloseTo(0.9583677416682248, 12);
  });

  it('percentile is the mid-rank (L + E/2)/|P|, ties included', () => {
    expect(normalizedOf({ normalization: 'percentile' }, [1, 2, 2, 3])).toEqual([0.125, 0.5, 0.5, 0.875]);
    expect(normalizedOf({ normalization: 'percentile' }, [30, 10, 20])).toEqual([5 / 6, 1 / 6, 0.5]);
  });

  it.each(['minmax', 'log', 'zscore', 'percentile'])(
    '%s gives 0.5 to an all-equal population',
    (normalization) => {
      expect(normalizedOf({ normalization }, [7, 7, 7])).toEqual([0.5, 0.5, 0.5]);
    },
  );

  it.each(['minmax', 'log', 'zscore', 'percentile'])('%s gives 0.5 to a single partner', (normalization) => {
    expect(normalizedOf({ normalization }, [3])).toEqual([0.5]);
  });

  it('normalises against present values only', () => {
    expect(normalizedOf({ normalization: 'minmax' }, [undefined, 10, 20])).toEqual([0, 0, 1]);
    expect(normalizedOf({ normalization: 'percentile' }, [undefined, 10, 20])).toEqual([0, 0.25, 0.75]);
  });
});

describe('direction', () => {
  it('lower flips n to 1 − n', () => {
    expect(normalizedOf({ normalization: 'minmax', direction: 'lower' }, [10, 20, 40])).toEqual([
      1,
      1 - 1 / 3,
      0,
    ]);
    expect(normalizedOf({ normalization: 'percentile', direction: 'lower' }, [1, 2, 2, 3])).toEqual([
      0.875, 0.5, 0.5, 0.125,
    ]);
  });

  it('lower under none negates the value', () => {
    expect(normalizedOf({ normalization: 'none', direction: 'lower' }, [4, -2])).toEqual([-4, 2]);
  });
});

describe('missing policy', () => {
  it('gives n directly, whatever the direction', () => {
    expect(normalizedOf({ missing: 'zero', direction: 'lower' }, [undefined, 1, 2])).toEqual([0, 1, 0]);
    expect(normalizedOf({ missing: 'neutral', direction: 'lower' }, [undefined, 1, 2])).toEqual([0.5, 1, 0]);
    expect(normalizedOf({ missing: 'neutral', normalization: 'none' }, [undefined, 9])).toEqual([0.5, 9]);
  });

  it('exclude drops the metric and rescales the remaining weights', () => {
    const model = modelOf([
      { weight: 3, missing: 'exclude' },
      { weight: 1, normalization: 'none' },
    ]);
    const result = scoreAll(model, [
      { id: 'a', metrics: { m1: 0.5 } },
      { id: 'b', metrics: { m0: 10, m1: 0.25 } },
      { id: 'c', metrics: { m0: 20, m1: 0.25 } },
    ]);
    expect(Number.isNaN(result.normalized[0]?.[0])).toBe(true);
    expect(result.scale[0]).toBe(4);
    expect(result.scores[0]).toBe(2); // 1 · 0.5 · 4
    expect(result.scale[1]).toBe(1);
    expect(result.scores[1]).toBe(0.25);
    expect(result.scores[2]).toBe(3.25);
  });

  it('exclude with nothing present scores 0', () => {
    const model = modelOf([{ missing: 'exclude' }, { missing: 'exclude', weight: 2 }]);
    const result = scoreAll(model, [
      { id: 'empty', metrics: {} },
      { id: 'full', metrics: { m0: 1, m1: 1 } },
    ]);
    expect(result.scores[0]).toBe(0);
    expect(result.scale[0]).toBe(0);
    expect(result.scores[1]).toBe(1.5); // both 0.5 (single partner each)
  });
});

describe('cap and decay', () => {
  it('caps before normalising', () => {
    expect(normalizedOf({ cap: { min: null, max: 15 } }, [10, 20, 30])).toEqual([0, 1, 1]);
    expect(normalizedOf({ normalization: 'none', cap: { min: 0, max: 5 } }, [-3, 2, 9])).toEqual([0, 2, 5]);
  });

  it('halves a value per half-life of age at the run time, never for a future asOf', () => {
    const model = modelOf([{ normalization: 'none', halfLifeDays: 10 }]);
    const result = scoreAll(model, [
      { id: 'now', asOf: daysBefore(0), metrics: { m0: 8 } },
      { id: 'ten', asOf: daysBefore(10), metrics: { m0: 8 } },
      { id: 'fifteen', asOf: daysBefore(15), metrics: { m0: 8 } },
      { id: 'future', asOf: daysBefore(-5), metrics: { m0: 8 } },
    ]);
    expect(result.scores[0]).toBe(8);
    expect(result.scores[1]).toBe(4);
    expect(result.scores[2]).toBeCloseTo(8 * 0.5 ** 1.5, 12);
    expect(result.scores[3]).toBe(8);
  });

  it('decays before capping', () => {
    const model = modelOf([{ normalization: 'none', halfLifeDays: 1, cap: { min: 3, max: null } }]);
    const result = scoreAll(model, [{ id: 'old', asOf: daysBefore(2), metrics: { m0: 8 } }]);
    expect(result.scores[0]).toBe(3); // 8 → 2, then raised to the cap minimum
  });
});

describe('ranks and percentiles', () => {
  it('orders by score descending, then id by UTF-16 code units', () => {
    const model = modelOf([{ normalization: 'none' }]);
    const result = scoreAll(model, [
      { id: 'b', metrics: { m0: 1 } },
      { id: 'a', metrics: { m0: 1 } },
      { id: 'B', metrics: { m0: 1 } },
      { id: 'z', metrics: { m0: 2 } },
      { id: '\u{1F600}', metrics: { m0: 1 } },
      { id: '\uFFFF', metrics: { m0: 1 } },
    ]);
    // Code units: 'B' < 'a' < 'b' < U+D83D (the emoji's high surrogate) < U+FFFF.
    expect(Array.from(result.ranks)).toEqual([4, 3, 2, 1, 5, 6]);
  });

  it('gives the score percentile 100·(L + E/2)/N, ties sharing it', () => {
    const result = scoreAll(modelOf([{ normalization: 'none' }]), single([5, 1, 5, 3]));
    expect(Array.from(result.percentiles)).toEqual([75, 12.5, 75, 37.5]);
  });

  it('treats -0 and 0 as the same score', () => {
    const result = scoreAll(modelOf([{ normalization: 'none', direction: 'lower' }]), single([0, -0, 1]));
    expect(Array.from(result.ranks)).toEqual([1, 2, 3]);
    expect(result.percentiles[0]).toBe(result.percentiles[1]);
  });

  it('handles an empty population', () => {
    const result = scoreAll(DEFAULT_MODEL, []);
    expect(result.scores.length).toBe(0);
    expect(result.stats.partners).toBe(0);
  });
});
