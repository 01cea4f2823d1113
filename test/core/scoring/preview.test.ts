import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { toColumns } from '#core/scoring/columns.ts';
import { previewModel } from '#core/scoring/preview.ts';
import { modelArbitrary, populationArbitrary } from './arbitraries.ts';
import { modelOf, RUN_ISO, RUN_TIME, scoreAll } from './fixtures.ts';

const tiers = [
  { name: 'Gold', minScore: 60 },
  { name: 'Silver', minScore: 40 },
  { name: 'Bronze', minScore: 0 },
];
// Active: only `a` counts; candidate: only `b` counts. Both on 0–100 points.
const active = modelOf(
  [
    { name: 'a', weight: 100 },
    { name: 'b', weight: 0 },
  ],
  { tiers, tierHysteresis: 5 },
);
const candidate = modelOf(
  [
    { name: 'a', weight: 0 },
    { name: 'b', weight: 100 },
  ],
  { tiers, tierHysteresis: 5 },
);

const partners = [
  { id: 'p1', asOf: RUN_ISO, metrics: { a: 100, b: 0 } },
  { id: 'p2', asOf: RUN_ISO, metrics: { a: 50, b: 50 } },
  { id: 'p3', asOf: RUN_ISO, metrics: { a: 0, b: 100 } },
  { id: 'p4', asOf: RUN_ISO, metrics: { a: 56, b: 56 } },
];

describe('previewModel', () => {
  it('lists the partners whose rank or tier changes, largest rank move first', () => {
    const preview = previewModel(partners, active, candidate, {
      runTimeMs: RUN_TIME,
      currentTiers: ['Gold', 'Silver', 'Bronze', 'Gold'],
    });
    expect(preview.partners).toBe(4);
    // p1 Gold → Bronze, p3 Bronze → Gold; p4 stays Gold by hysteresis (56 ≥ 60 − 5) under both.
    expect(preview.tierChanges).toBe(2);
    expect(preview.movers).toEqual([
      { id: 'p3', rank: 4, previewRank: 1, score: 0, previewScore: 100, tier: 'Bronze', previewTier: 'Gold' },
      { id: 'p1', rank: 1, previewRank: 4, score: 100, previewScore: 0, tier: 'Gold', previewTier: 'Bronze' },
    ]);
  });

  it('honours the limit and accepts columns with metrics of both models', () => {
    const union = modelOf([{ name: 'a' }, { name: 'b' }]);
    const preview = previewModel(toColumns(union, partners), active, candidate, {
      runTimeMs: RUN_TIME,
      currentTiers: [null, null, null, null],
      limit: 1,
    });
    expect(preview.movers.map((m) => m.id)).toEqual(['p3']);
  });

  it('reports no movers for the same model', () => {
    const preview = previewModel(partners, DEFAULT_MODEL, DEFAULT_MODEL, {
      runTimeMs: RUN_TIME,
      currentTiers: [],
    });
    expect(preview).toEqual({ partners: 4, moved: 0, tierChanges: 0, movers: [] });
  });

  it('treats a metric only the candidate knows as missing for the active model', () => {
    const withNew = modelOf(
      [
        { name: 'a', weight: 20 },
        { name: 'fresh', weight: 80, missing: 'neutral' },
      ],
      { tiers },
    );
    const preview = previewModel(toColumns(active, partners), active, withNew, {
      runTimeMs: RUN_TIME,
      currentTiers: [],
    });
    // `fresh` is missing for everyone: 40 points each, which lifts p3 out of Bronze but moves no rank.
    expect(preview.tierChanges).toBe(1);
    expect(preview.movers).toEqual([
      {
        id: 'p3',
        rank: 4,
        previewRank: 4,
        score: 0,
        previewScore: 40,
        tier: 'Bronze',
        previewTier: 'Silver',
      },
    ]);
  });

  it('agrees with scoring both models separately', () => {
    const scenario = fc
      .tuple(modelArbitrary({ decay: false }), modelArbitrary({ decay: false }))
      .chain(([a, b]) =>
        fc.record({
          active: fc.constant(a),
          candidate: fc.constant(b),
          partners: populationArbitrary(Math.max(a.metrics.length, b.metrics.length)),
          limit: fc.integer({ min: 1, max: 50 }),
        }),
      );
    fc.assert(
      fc.property(scenario, ({ active, candidate, partners, limit }) => {
        const records = partners.map((p) => ({ ...p, asOf: RUN_ISO }));
        const currentTiers = partners.map((_, i) => (['Gold', 'Silver', null] as const)[i % 3] ?? null);
        const before = scoreAll(active, records, [...currentTiers]);
        const after = scoreAll(candidate, records, [...currentTiers]);
        const rows = records.map((p, i) => ({
          id: p.id,
          rank: before.ranks[i] as number,
          previewRank: after.ranks[i] as number,
          score: before.scores[i] as number,
          previewScore: after.scores[i] as number,
          tier: active.tiers[before.tierIndex[i] as number]?.name ?? null,
          previewTier: candidate.tiers[after.tierIndex[i] as number]?.name ?? null,
        }));
        const changed = rows.filter((r) => r.rank !== r.previewRank || r.tier !== r.previewTier);
        changed.sort(
          (x, y) =>
            Math.abs(y.rank - y.previewRank) - Math.abs(x.rank - x.previewRank) ||
            x.previewRank - y.previewRank,
        );
        const preview = previewModel(records, active, candidate, {
          runTimeMs: RUN_TIME,
          currentTiers,
          limit,
        });
        expect(preview.partners).toBe(records.length);
        expect(preview.moved).toBe(changed.length);
        expect(preview.tierChanges).toBe(rows.filter((r) => r.tier !== r.previewTier).length);
        expect(preview.movers).toEqual(changed.slice(0, limit));
      }),
      { numRuns: 150 },
    );
  });
});
