import { describe, expect, it } from 'vitest';
import { projectColumns, type ScorablePartner, toColumns } from '#core/scoring/columns.ts';
import { coverageColumn } from '#core/scoring/coverage.ts';
import { modelOf, RUN_ISO } from './fixtures.ts';

describe('coverageColumn', () => {
  const model = modelOf([{ weight: 3 }, { weight: 2 }, { weight: 2 }]);
  const partners: ScorablePartner[] = [
    { id: 'all', asOf: RUN_ISO, metrics: { m0: 1, m1: 2, m2: 3 } },
    { id: 'no-m0', asOf: RUN_ISO, metrics: { m1: 2, m2: 3 } },
    { id: 'only-m2', asOf: RUN_ISO, metrics: { m2: 3 } },
    { id: 'none', asOf: RUN_ISO, metrics: {} },
  ];

  it('is Σ weights of present metrics / Σ weights, rounded to 4 decimals', () => {
    expect(Array.from(coverageColumn(model, toColumns(model, partners)))).toEqual([1, 0.5714, 0.2857, 0]);
  });

  it('counts a metric the columns lack as missing', () => {
    const narrower = modelOf([{ weight: 3 }]);
    const columns = projectColumns(toColumns(narrower, partners), narrower);
    expect(Array.from(coverageColumn(model, columns))).toEqual([0.4286, 0, 0, 0]);
  });
});
