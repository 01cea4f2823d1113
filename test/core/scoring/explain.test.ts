import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { estimatePercentile, explainFromNormalized, provisionalScore } from '#core/scoring/explain.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { daysBefore, modelOf, RUN_ISO, RUN_TIME, SEED_PARTNERS, scoreAll } from './fixtures.ts';

const seedD = { metrics: SEED_PARTNERS[3]?.metrics ?? {}, asOf: RUN_ISO };

describe('explainFromNormalized', () => {
  it('breaks a score down by metric and group, with coverage and the next tier', () => {
    const explanation = explainFromNormalized(
      DEFAULT_MODEL,
      { metrics: { sales: 30000, Reputation: 98 }, asOf: RUN_ISO },
      [1, 0, 0.5, 0, 0.2],
      'Silver',
    );
    expect(explanation.value).toBe(25 + 12.5 + 2.5);
    expect(explanation.coverage).toBe(0.5);
    expect(explanation.nextTier).toEqual({ name: 'Gold', pointsNeeded: 20 });
    expect(explanation.groups).toEqual({ business: 37.5, relationship: 2.5 });
    expect(explanation.breakdown[0]).toEqual({
      metric: 'sales',
      group: 'business',
      raw: 30000,
      normalized: 1,
      weight: 25,
      contribution: 25,
    });
    expect(explanation.breakdown[1]?.raw).toBeNull();
  });

  it('shows a dropped metric as normalized null with contribution 0 and rescales the rest', () => {
    const model = modelOf([{ weight: 3, missing: 'exclude' }, { weight: 1 }]);
    const explanation = explainFromNormalized(
      model,
      { metrics: { m1: 5 }, asOf: RUN_ISO },
      [null, 0.5],
      null,
    );
    expect(explanation.breakdown.map((row) => [row.normalized, row.contribution])).toEqual([
      [null, 0],
      [0.5, 2],
    ]);
    expect(explanation.value).toBe(2);
    expect(explanation.coverage).toBe(0.25);
  });
});

describe('provisionalScore', () => {
  it('equals the run score for an unchanged partner at the run time', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), ({ model, partners }) => {
        const result = scoreAll(model, partners);
        partners.forEach((partner, i) => {
          const provisional = provisionalScore(
            model,
            result.stats,
            { metrics: partner.metrics, asOf: partner.asOf as string },
            RUN_TIME,
            null,
          );
          // Exact statistics for every normalisation; the percentile sketch is exact up to 101 partners.
          expect(provisional.value).toBeCloseTo(result.scores[i] as number, 9);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('clamps a value outside the run range and assigns the tier with hysteresis', () => {
    const stats = scoreAll(DEFAULT_MODEL, SEED_PARTNERS).stats;
    const above = provisionalScore(
      DEFAULT_MODEL,
      stats,
      { ...seedD, metrics: { ...seedD.metrics, sales: 1e9 } },
      RUN_TIME,
      null,
    );
    expect(above.value).toBe(100);
    expect(above.tier).toBe('Platinum');
    const held = provisionalScore(
      DEFAULT_MODEL,
      stats,
      {
        metrics: { sales: 30000, transactions: 150, reputation: 98, communicationFrequency: 5 },
        asOf: RUN_ISO,
      },
      RUN_TIME,
      'Platinum',
    );
    expect(held.value).toBeCloseTo(87.5, 9);
    expect(held.tier).toBe('Platinum');
  });

  it('decays to the time it is asked for', () => {
    const model = modelOf([{ normalization: 'none', halfLifeDays: 30 }]);
    const stats = scoreAll(model, [{ id: 'x', metrics: { m0: 1 } }]).stats;
    const explanation = provisionalScore(
      model,
      stats,
      { metrics: { m0: 8 }, asOf: daysBefore(60) },
      RUN_TIME,
      null,
    );
    expect(explanation.value).toBe(2);
    expect(explanation.breakdown[0]?.raw).toBe(8);
  });

  it('interpolates percentiles from the sketch of a large population', () => {
    const model = modelOf([{ normalization: 'percentile' }]);
    const partners = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, metrics: { m0: i } }));
    const result = scoreAll(model, partners);
    expect(result.stats.metrics[0]?.sketch).toHaveLength(101);
    for (const x of [0, 1.5, 250, 499.5, 999]) {
      const exact = (Math.floor(x) + 0.5) / 1000 + (Number.isInteger(x) ? 0 : 0.0005);
      const provisional = provisionalScore(
        model,
        result.stats,
        { metrics: { m0: x }, asOf: RUN_ISO },
        RUN_TIME,
        null,
      );
      expect(Math.abs((provisional.value as number) - exact)).toBeLessThan(0.002);
    }
    expect(
      provisionalScore(model, result.stats, { metrics: { m0: -1 }, asOf: RUN_ISO }, RUN_TIME, null).value,
    ).toBe(0);
    expect(
      provisionalScore(model, result.stats, { metrics: { m0: 5000 }, asOf: RUN_ISO }, RUN_TIME, null).value,
    ).toBe(1);
    expect(Math.abs(estimatePercentile(result.stats, 0.5) - 50)).toBeLessThan(0.2);
  });

  it('gives 0.5 for a metric the run did not know', () => {
    const stats = scoreAll(modelOf([{ name: 'old' }]), [{ id: 'x', metrics: { old: 1 } }]).stats;
    const model = modelOf([{ name: 'old' }, { name: 'new' }]);
    const explanation = provisionalScore(
      model,
      stats,
      { metrics: { old: 1, new: 3 }, asOf: RUN_ISO },
      RUN_TIME,
      null,
    );
    expect(explanation.breakdown.map((row) => row.normalized)).toEqual([0.5, 0.5]);
  });

  it('keeps the run statistics compact for any population size', () => {
    const partners = Array.from({ length: 20_000 }, (_, i) => ({
      id: `p${i}`,
      metrics: {
        sales: i * 3.7,
        transactions: i % 97,
        reputation: (i * 31) % 100,
        communicationFrequency: i % 7,
        commonCustomers: i,
      },
    }));
    const stats = scoreAll(DEFAULT_MODEL, partners).stats;
    expect(JSON.stringify(stats).length).toBeLessThan(16_000);
  });
});
