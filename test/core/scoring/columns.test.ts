import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { ColumnsBuilder, projectColumns, toColumns } from '#core/scoring/columns.ts';
import { scorePopulation } from '#core/scoring/score-population.ts';
import { modelOf } from './fixtures.ts';

describe('toColumns', () => {
  it('puts each metric in its model column, matching names case- and punctuation-insensitively', () => {
    const columns = toColumns(DEFAULT_MODEL, [
      {
        id: 'a',
        asOf: '2026-01-02T00:00:00Z',
        metrics: { Sales: 5, communication_frequency: 2, unknown: 9 },
      },
      { id: 'b', asOf: '2026-01-03T00:00:00Z', metrics: { commoncustomers: 7 } },
    ]);
    expect(columns.ids).toEqual(['a', 'b']);
    expect(columns.metrics).toEqual([
      'sales',
      'transactions',
      'reputation',
      'communicationfrequency',
      'commoncustomers',
    ]);
    expect(Array.from(columns.asOfMs)).toEqual([
      Date.parse('2026-01-02T00:00:00Z'),
      Date.parse('2026-01-03T00:00:00Z'),
    ]);
    expect(columns.values.map((column) => Array.from(column))).toEqual([
      [5, Number.NaN],
      [Number.NaN, Number.NaN],
      [Number.NaN, Number.NaN],
      [2, Number.NaN],
      [Number.NaN, 7],
    ]);
  });
});

describe('ColumnsBuilder', () => {
  it('grows past its initial capacity without losing values', () => {
    const builder = new ColumnsBuilder(modelOf([{}]), 1);
    for (let i = 0; i < 100; i++)
      builder.add({ id: `p${i}`, asOf: '2026-01-01T00:00:00Z', metrics: { m0: i } });
    const columns = builder.build();
    expect(builder.length).toBe(100);
    expect(Array.from(columns.values[0] as Float64Array)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('projectColumns', () => {
  it('shares the columns another model knows and leaves the others missing', () => {
    const columns = toColumns(modelOf([{ name: 'a' }, { name: 'b' }]), [
      { id: 'x', asOf: '2026-01-01T00:00:00Z', metrics: { a: 1, b: 2 } },
    ]);
    const projected = projectColumns(columns, modelOf([{ name: 'B' }, { name: 'c' }]));
    expect(projected.metrics).toEqual(['b', 'c']);
    expect(projected.values[0]).toBe(columns.values[1]);
    expect(Number.isNaN(projected.values[1]?.[0])).toBe(true);
  });
});

describe('scorePopulation with columns of another metric list', () => {
  it('matches columns to the model by name', () => {
    const partners = [
      { id: 'x', asOf: '2026-01-01T00:00:00Z', metrics: { a: 1, b: 10 } },
      { id: 'y', asOf: '2026-01-01T00:00:00Z', metrics: { a: 3, b: 0 } },
    ];
    const model = modelOf([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 3 },
    ]);
    const reversed = toColumns(modelOf([{ name: 'b' }, { name: 'c' }, { name: 'a' }]), partners);
    const options = { runTimeMs: 0 };
    expect(Array.from(scorePopulation(model, reversed, options).scores)).toEqual(
      Array.from(scorePopulation(model, toColumns(model, partners), options).scores),
    );
    expect(Array.from(scorePopulation(model, reversed, options).scores)).toEqual([3, 1]);
  });
});
