import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { parseScoringModel, type ScoringModel } from '#core/model/scoring-model.ts';
import { type PartnerColumns, toColumns } from '#core/scoring/columns.ts';
import { previewModel, previewModelThreaded } from '#core/scoring/preview.ts';
import {
  type PopulationScores,
  type ScorePopulationOptions,
  scorePopulation,
} from '#core/scoring/score-population.ts';
import { scorePopulationThreaded, startScoringThreads, threadsFor } from '#core/scoring/score-threaded.ts';
import { scoringPool, scoringThreads } from '#core/scoring/scoring-pool.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { RUN_ISO, RUN_TIME } from './fixtures.ts';

/** Every array of a result as bytes, and its statistics with each number as its IEEE-754 bits. */
function bytesOf(result: PopulationScores): Record<string, string> {
  const hex = (array: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('hex');
  const bits = new Float64Array(1);
  const stats = JSON.stringify(result.stats, (_key, value) => {
    if (typeof value !== 'number') return value;
    bits[0] = value;
    return Buffer.from(bits.buffer).toString('hex');
  });
  return {
    scores: hex(result.scores),
    scale: hex(result.scale),
    tierIndex: hex(result.tierIndex),
    ranks: hex(result.ranks),
    order: hex(result.order),
    percentiles: hex(result.percentiles),
    ...Object.fromEntries(result.normalized.map((column, j) => [`normalized${j}`, hex(column)])),
    stats,
  };
}

const TIERS = ['Gold', 'Silver', 'Bronze', 'Retired', null];

/** A large population with ties (small integers), ~10% missing values, spread asOf and previous tiers. */
function largePopulation(
  n: number,
  metrics: number,
): { columns: PartnerColumns; previous: (string | null)[] } {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const values = Array.from({ length: metrics }, () => new Float64Array(n));
  const asOfMs = new Float64Array(n);
  const ids: string[] = [];
  const previous: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(`p${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}-${i}`);
    asOfMs[i] = RUN_TIME - Math.floor(random() * 400) * 86_400_000;
    previous.push(TIERS[Math.floor(random() * TIERS.length)] ?? null);
    values.forEach((column, j) => {
      const r = random();
      column[i] = r < 0.1 ? Number.NaN : j % 2 === 0 ? Math.floor(r * 50) - 5 : (r - 0.3) * 1e4;
    });
  }
  return {
    columns: { ids, asOfMs, values, metrics: values.map((_, j) => `m${j}`) },
    previous,
  };
}

function modelOf(specs: Record<string, unknown>[]): ScoringModel {
  return parseScoringModel({
    metrics: specs.map((spec, i) => ({ name: `m${i}`, group: 'business', weight: 10 + i, ...spec })),
    tiers: [
      { name: 'Gold', minScore: 40 },
      { name: 'Silver', minScore: 20 },
      { name: 'Bronze', minScore: 0 },
    ],
    tierHysteresis: 2,
  });
}

describe('scorePopulationThreaded', () => {
  afterAll(async () => {
    await Promise.all([scoringPool(2).close(), scoringPool(3).close()]);
  });

  it('gives the one-thread result byte for byte on random models and populations, blocks of 4 partners', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArbitrary(),
        fc.array(fc.constantFrom(...TIERS), { minLength: 40, maxLength: 40 }),
        fc.constantFrom(2, 3),
        async ({ model, partners }, previous, threads) => {
          const records = partners.map((p) => ({ id: p.id, asOf: p.asOf ?? RUN_ISO, metrics: p.metrics }));
          const columns = toColumns(model, records);
          const options: ScorePopulationOptions = {
            runTimeMs: RUN_TIME,
            previousTiers: previous.slice(0, partners.length),
            blockSize: 4,
          };
          const one = scorePopulation(model, columns, options);
          const many = await scorePopulationThreaded(model, columns, options, { threads, minPartners: 0 });
          expect(bytesOf(many)).toEqual(bytesOf(one));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives the one-thread result byte for byte on 300,000 partners with ties, gaps, decay and every normalisation', async () => {
    const { columns, previous } = largePopulation(300_000, 6);
    const models = [
      modelOf(Array.from({ length: 5 }, () => ({ normalization: 'minmax', missing: 'zero' }))),
      modelOf([
        { normalization: 'percentile', missing: 'neutral' },
        { normalization: 'zscore', missing: 'exclude', halfLifeDays: 90 },
        { normalization: 'log', direction: 'lower', missing: 'zero', cap: { min: 0, max: 30 } },
        { normalization: 'percentile', direction: 'lower', missing: 'exclude', halfLifeDays: 30 },
        { normalization: 'none', missing: 'neutral', weight: 0.001 },
        { normalization: 'zscore', direction: 'lower', missing: 'neutral' },
      ]),
    ];
    for (const model of models) {
      const options = { runTimeMs: RUN_TIME, previousTiers: previous };
      const one = bytesOf(scorePopulation(model, columns, options));
      for (const threads of [2, 3]) {
        const many = await scorePopulationThreaded(model, columns, options, { threads });
        expect(bytesOf(many)).toEqual(one);
      }
    }
  }, 120_000);

  it('agrees with the one-thread path under the default model with previous tier indices', async () => {
    const { columns } = largePopulation(250_000, 5);
    const previousTierIndex = Int32Array.from({ length: 250_000 }, (_, i) => (i % 7) - 2);
    const options = { runTimeMs: RUN_TIME, previousTierIndex };
    const one = scorePopulation(DEFAULT_MODEL, columns, options);
    const many = await scorePopulationThreaded(DEFAULT_MODEL, columns, options, { threads: 2 });
    expect(bytesOf(many)).toEqual(bytesOf(one));
  }, 60_000);

  it('previews a candidate model on threads with the one-thread answer', async () => {
    const { columns, previous } = largePopulation(20_000, 5);
    const active = modelOf(Array.from({ length: 5 }, () => ({ normalization: 'minmax' })));
    const candidate = modelOf([
      { normalization: 'percentile', weight: 30 },
      { normalization: 'zscore', missing: 'neutral' },
      { normalization: 'log', missing: 'exclude' },
      { normalization: 'minmax', direction: 'lower' },
      { normalization: 'minmax', weight: 0 },
    ]);
    const options = { runTimeMs: RUN_TIME, currentTiers: previous, limit: 500 };
    const one = previewModel(columns, active, candidate, options);
    const many = await previewModelThreaded(columns, active, candidate, options, {
      threads: 2,
      minPartners: 0,
    });
    expect(one.movers.length).toBe(500);
    expect(many).toEqual(one);
  });

  it('starts the workers ahead of the first task only for a population that uses them', async () => {
    const pool = scoringPool(3);
    await pool.close();
    startScoringThreads(1000, { threads: 4 });
    expect(pool.started).toBe(0);
    startScoringThreads(1_000_000, { threads: 4 });
    expect(pool.started).toBe(3);
  });

  it('stays on the calling thread below the population threshold or with one thread', () => {
    expect(threadsFor(1000, { threads: 4 })).toBe(1);
    expect(threadsFor(1_000_000, { threads: 1 })).toBe(1);
    expect(threadsFor(1_000_000, { threads: 3 })).toBe(3);
    expect(threadsFor(10, { threads: 3, minPartners: 0 })).toBe(3);
  });
});

describe('scoringThreads', () => {
  it('takes SCORING_THREADS when set, else the available cores', () => {
    expect(scoringThreads({ SCORING_THREADS: '3' })).toBe(3);
    expect(scoringThreads({ SCORING_THREADS: '' })).toBeGreaterThanOrEqual(1);
    expect(scoringThreads({})).toBeGreaterThanOrEqual(1);
  });

  it('names the variable and the allowed values when SCORING_THREADS is not a thread count', () => {
    for (const bad of ['0', '-2', '1.5', 'many', '1000'])
      expect(() => scoringThreads({ SCORING_THREADS: bad })).toThrow(
        /SCORING_THREADS must be a whole number/,
      );
  });
});
