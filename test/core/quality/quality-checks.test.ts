import { describe, expect, it } from 'vitest';
import { median, modifiedZScores, runQualityChecks } from '#core/quality/quality-checks.ts';

const DAY = 86_400_000;

function input(values: number[], extra: Partial<Parameters<typeof runQualityChecks>[0]> = {}) {
  const n = values.length;
  return {
    ids: values.map((_, i) => `p${i}`),
    names: values.map((_, i) => `Partner ${i}`),
    asOfMs: new Float64Array(n).fill(1_000 * DAY),
    metrics: ['sales'],
    values: [Float64Array.from(values)],
    runTimeMs: 1_000 * DAY,
    staleWarnDays: 30,
    staleErrorDays: 90,
    previousMedians: null,
    ...extra,
  };
}

describe('data-quality checks', () => {
  it('values 10…18 and 5,000: only 5,000 is an outlier (median 14.5, MAD 2.5)', () => {
    const values = [10, 11, 12, 13, 14, 15, 16, 17, 18, 5000];
    expect(median(Float64Array.from(values))).toBe(14.5);
    const z = modifiedZScores(Float64Array.from(values));
    expect(z[8]).toBeCloseTo((0.6745 * 3.5) / 2.5, 12);
    expect([...z].map((score, i) => (score > 3.5 ? values[i] : null)).filter((v) => v !== null)).toEqual([
      5000,
    ]);
    const result = runQualityChecks(input(values));
    const outliers = result.checks.find((c) => c.check === 'outliers');
    expect(outliers).toMatchObject({ failing: 1, status: 'warn', threshold: 3.5 });
    expect(result.failures.find((f) => f.check === 'outliers')?.items).toEqual([
      { partnerId: 'p9', name: 'Partner 9', value: 5000 },
    ]);
  });

  it('MAD = 0: the mean absolute deviation × 1.253314 scales instead; all equal: no outlier', () => {
    const values = [7, 7, 7, 7, 7, 7, 7, 8, 100];
    const z = modifiedZScores(Float64Array.from(values));
    // Deviations 0×7, 1, 93: mean 94/9.
    expect(z[8]).toBeCloseTo(93 / (1.253314 * (94 / 9)), 12);
    expect(z[7]).toBeLessThan(3.5);
    expect(z[8]).toBeGreaterThan(3.5);
    expect([...modifiedZScores(Float64Array.from([3, 3, 3]))]).toEqual([0, 0, 0]);
  });

  it('a metric missing for 2 of 10 partners: completeness 0.8, fail, the 2 ids listed', () => {
    const values = [1, 2, Number.NaN, 4, 5, 6, Number.NaN, 8, 9, 10];
    const result = runQualityChecks(input(values));
    expect(result.checks.find((c) => c.check === 'completeness')).toMatchObject({
      observed: 0.8,
      threshold: 0.9,
      status: 'fail',
      failing: 2,
      listed: 2,
    });
    expect(result.status).toBe('fail');
    expect(result.failures.find((f) => f.check === 'completeness')?.items.map((f) => f.partnerId)).toEqual([
      'p2',
      'p6',
    ]);
  });

  it('"Acme GmbH" and " ACME gmbh" are duplicates; a name of no letters or digits matches none', () => {
    const result = runQualityChecks({
      ...input([1, 2, 3, 4]),
      names: ['Acme GmbH', ' ACME gmbh', '---', '!!!'],
    });
    expect(result.checks.find((c) => c.check === 'duplicates')).toMatchObject({ failing: 2, status: 'warn' });
  });

  it('freshness: asOf 40 and 120 days old warn and fail; drift compares medians', () => {
    const asOfMs = Float64Array.from([1_000 * DAY, (1_000 - 40) * DAY, (1_000 - 120) * DAY]);
    const result = runQualityChecks({
      ...input([10, 10, 10], { asOfMs }),
      previousMedians: { sales: 6 },
    });
    const rows = result.checks.filter((c) => c.check === 'freshness');
    expect(rows).toEqual([
      expect.objectContaining({ severity: 'warn', status: 'warn', failing: 2, observed: 120, threshold: 30 }),
      expect.objectContaining({ severity: 'fail', status: 'fail', failing: 1, threshold: 90 }),
    ]);
    const drift = result.checks.find((c) => c.check === 'drift');
    expect(drift?.observed).toBeCloseTo(4 / 6, 12);
    expect(drift?.status).toBe('warn');
  });

  it('a clean population passes', () => {
    const result = runQualityChecks(input([10, 11, 12, 13], { previousMedians: { sales: 11 } }));
    expect(result.status).toBe('pass');
  });
});
