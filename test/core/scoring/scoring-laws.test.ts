import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import { explainFromNormalized } from '#core/scoring/explain.ts';
import { assignTier, tierIndexOf } from '#core/scoring/tiers.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { scoreAll } from './fixtures.ts';

const TINY_DEVIATIONS = {
  model: parseScoringModel({
    metrics: [
      {
        name: 'm0',
        group: 'relationship',
        weight: 24,
        normalization: 'zscore',
        direction: 'higher',
        missing: 'neutral',
        cap: { min: -1, max: 6 },
        halfLifeDays: 355,
      },
    ],
    tiers: [
      { name: 'Gold', minScore: 20 },
      { name: 'Silver', minScore: 5 },
      { name: 'Bronze', minScore: 0 },
    ],
    tierHysteresis: 2,
  }),
  partners: [
    { id: 'p0-0', asOf: '2026-06-01T00:00:00.000Z', metrics: { m0: 6.727288698576244e-161 } },
    { id: 'p919-1', asOf: '2026-06-01T00:00:00.000Z', metrics: { m0: -3 } },
  ],
};

describe('scoring laws', () => {
  it('raising a higher-is-better value (or lowering a lower-is-better one) never lowers that score', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 1000 }),
        ({ model, partners }, pick, metricPick, delta) => {
          const p = pick % partners.length;
          const j = metricPick % model.metrics.length;
          const metric = model.metrics[j];
          const partner = partners[p];
          const key = `m${j}`;
          const current = partner?.metrics[key];
          if (metric === undefined || partner === undefined || current === undefined) return;
          const before = scoreAll(model, partners).scores[p] as number;
          const improved = current + (metric.direction === 'higher' ? delta : -delta);
          const changed = partners.map((q, i) =>
            i === p ? { ...q, metrics: { ...q.metrics, [key]: improved } } : q,
          );
          const after = scoreAll(model, changed).scores[p] as number;
          // Mean and σ are rounded sums: allow rounding noise, nothing more.
          expect(after).toBeGreaterThanOrEqual(before - 1e-9 * (1 + Math.abs(before)));
        },
      ),
      // Found by a CI run: deviations near 1e-160 squared to subnormals, and σ lost digits.
      { numRuns: 300, examples: [[TINY_DEVIATIONS, 1, 0, 3]] },
    );
  });

  it('scores and ranks do not depend on input order', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary({ normalizations: ['none', 'minmax', 'log', 'percentile'] }),
        fc.infiniteStream(fc.nat()),
        ({ model, partners }, randomness) => {
          const shuffled = partners
            .map((partner) => ({ partner, key: randomness.next().value }))
            .sort((a, b) => a.key - b.key)
            .map(({ partner }) => partner);
          const a = scoreAll(model, partners);
          const b = scoreAll(model, shuffled);
          const byId = new Map(shuffled.map((partner, i) => [partner.id, i]));
          partners.forEach((partner, i) => {
            const k = byId.get(partner.id) as number;
            expect(b.scores[k]).toBe(a.scores[i]);
            expect(b.ranks[k]).toBe(a.ranks[i]);
            expect(b.percentiles[k]).toBe(a.percentiles[i]);
            expect(b.tierIndex[k]).toBe(a.tierIndex[i]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('zscore scores do not depend on input order beyond rounding', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ normalizations: ['zscore'] }), ({ model, partners }) => {
        const a = scoreAll(model, partners);
        const b = scoreAll(model, [...partners].reverse());
        const n = partners.length;
        for (let i = 0; i < n; i++) expect(b.scores[n - 1 - i]).toBeCloseTo(a.scores[i] as number, 9);
      }),
      { numRuns: 100 },
    );
  });

  it('ranks are a permutation of 1..N in score-descending, id-ascending order', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), ({ model, partners }) => {
        const result = scoreAll(model, partners);
        const n = partners.length;
        expect(Array.from(result.ranks).sort((x, y) => x - y)).toEqual(
          Array.from({ length: n }, (_, k) => k + 1),
        );
        for (let k = 0; k < n; k++) {
          const i = result.order[k] as number;
          expect(result.ranks[i]).toBe(k + 1);
          if (k === 0) continue;
          const prev = result.order[k - 1] as number;
          const [s0, s1] = [result.scores[prev] as number, result.scores[i] as number];
          expect(s0 > s1 || (s0 === s1 && (partners[prev]?.id as string) < (partners[i]?.id as string))).toBe(
            true,
          );
        }
        for (const percentile of result.percentiles) {
          expect(percentile).toBeGreaterThan(0);
          expect(percentile).toBeLessThan(100);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with normalisations other than none, scores lie in [0, Σ weights]', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary({ normalizations: ['minmax', 'log', 'zscore', 'percentile'] }),
        ({ model, partners }) => {
          const total = model.metrics.reduce((sum, metric) => sum + metric.weight, 0);
          for (const score of scoreAll(model, partners).scores) {
            expect(score).toBeGreaterThanOrEqual(-1e-9);
            expect(score).toBeLessThanOrEqual(total * (1 + 1e-12) + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the explanation from stored normalized values reproduces the run score exactly', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), ({ model, partners }) => {
        const result = scoreAll(model, partners);
        partners.forEach((partner, i) => {
          const normalized = result.normalized.map((column) => {
            const n = column[i] as number;
            return Number.isNaN(n) ? null : n;
          });
          const explanation = explainFromNormalized(
            model,
            { metrics: partner.metrics, asOf: partner.asOf as string },
            normalized,
            null,
          );
          expect(explanation.value).toBe(result.scores[i]);
          const sum = explanation.breakdown.reduce((acc, row) => acc + row.contribution, 0);
          expect(sum).toBe(explanation.value);
          // The groups are summed apart, so they may differ from the sum in the last bit: the bound is
          // relative (a score near 8e6 has an ulp of ~1e-9, past toBeCloseTo's absolute 5e-10).
          const groups = explanation.groups.business + explanation.groups.relationship;
          expect(Math.abs(groups - sum)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(sum)));
        });
      }),
      { numRuns: 150 },
    );
  });

  it('hysteresis never promotes', () => {
    const tiers = [...DEFAULT_MODEL.tiers.map((tier) => tier.name), null];
    fc.assert(
      fc.property(
        fc.double({ min: -20, max: 120, noNaN: true }),
        fc.constantFrom(...tiers),
        (score, previous) => {
          const earned = DEFAULT_MODEL.tiers[tierIndexOf(DEFAULT_MODEL, score)]?.name ?? null;
          const held = assignTier(DEFAULT_MODEL, score, previous);
          if (held === earned) return;
          // Anything but the earned tier must be the previous one, higher than earned and within the hysteresis.
          expect(held).toBe(previous);
          const heldIndex = DEFAULT_MODEL.tiers.findIndex((tier) => tier.name === held);
          const earnedIndex = tierIndexOf(DEFAULT_MODEL, score);
          expect(earnedIndex === -1 || heldIndex < earnedIndex).toBe(true);
          expect(score).toBeGreaterThanOrEqual(
            (DEFAULT_MODEL.tiers[heldIndex]?.minScore as number) - DEFAULT_MODEL.tierHysteresis,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
