import fc from 'fast-check';
import { parseScoringModel, type ScoringModel } from '#core/model/scoring-model.ts';
import type { TestPartner } from './fixtures.ts';

export const NORMALIZATIONS = ['none', 'minmax', 'log', 'zscore', 'percentile'] as const;

/** A metric value: small integers make ties likely, negative ones exercise log. */
export const metricValue = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);

export interface ModelOptions {
  normalizations?: readonly (typeof NORMALIZATIONS)[number][];
  decay?: boolean;
}

/** A valid model of 1–4 metrics (names m0…), any policies, three tiers. */
export function modelArbitrary(options: ModelOptions = {}): fc.Arbitrary<ScoringModel> {
  const metric = fc.record({
    group: fc.constantFrom('business', 'relationship'),
    weight: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 0.01, max: 50, noNaN: true }),
    ),
    normalization: fc.constantFrom(...(options.normalizations ?? NORMALIZATIONS)),
    direction: fc.constantFrom('higher', 'lower'),
    missing: fc.constantFrom('zero', 'neutral', 'exclude'),
    cap: fc.oneof(
      fc.constant({ min: null, max: null }),
      fc
        .integer({ min: -5, max: 5 })
        .chain((min) => fc.record({ min: fc.constant(min), max: fc.integer({ min, max: min + 20 }) })),
    ),
    halfLifeDays: options.decay === false ? fc.constant(null) : fc.option(fc.integer({ min: 1, max: 400 })),
  });
  return fc
    .record({
      metrics: fc.array(metric, { minLength: 1, maxLength: 4 }),
      hysteresis: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ metrics, hysteresis }) =>
      parseScoringModel({
        metrics: metrics.map((m, i) => ({ ...m, name: `m${i}` })),
        tiers: [
          { name: 'Gold', minScore: 20 },
          { name: 'Silver', minScore: 5 },
          { name: 'Bronze', minScore: 0 },
        ],
        tierHysteresis: hysteresis,
      }),
    );
}

/** A population of 1–40 partners with unique ids, values or gaps for each of `metrics` metrics. */
export function populationArbitrary(metrics: number): fc.Arbitrary<TestPartner[]> {
  const partner = fc.record({
    ageDays: fc.integer({ min: -3, max: 800 }),
    values: fc.array(fc.option(metricValue, { freq: 5 }), { minLength: metrics, maxLength: metrics }),
  });
  return fc.array(partner, { minLength: 1, maxLength: 40 }).map((rows) =>
    rows.map(({ ageDays, values }, i) => ({
      id: `p${(i * 7919) % 1000}-${i}`,
      asOf: new Date(Date.parse('2026-06-01T00:00:00Z') - ageDays * 86_400_000).toISOString(),
      metrics: Object.fromEntries(values.flatMap((v, j) => (v === null ? [] : [[`m${j}`, v]]))),
    })),
  );
}

/** A model together with a population for it. */
export function scenarioArbitrary(options: ModelOptions = {}) {
  return modelArbitrary(options).chain((model) =>
    fc.record({ model: fc.constant(model), partners: populationArbitrary(model.metrics.length) }),
  );
}
