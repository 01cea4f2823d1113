import { parseScoringModel, type ScoringModel } from '#core/model/scoring-model.ts';
import { toColumns } from '#core/scoring/columns.ts';
import { type PopulationScores, scorePopulation } from '#core/scoring/score-population.ts';

export const RUN_TIME = Date.parse('2026-06-01T00:00:00Z');
export const RUN_ISO = new Date(RUN_TIME).toISOString();
const DAY = 86_400_000;

/** ISO time `days` before the run time. */
export function daysBefore(days: number): string {
  return new Date(RUN_TIME - days * DAY).toISOString();
}

/** A validated model from partial metric specs (group business, weight 1 unless given). */
export function modelOf(
  metrics: Record<string, unknown>[],
  extra: { tiers?: { name: string; minScore: number }[]; tierHysteresis?: number } = {},
): ScoringModel {
  return parseScoringModel({
    metrics: metrics.map((metric, i) => ({ name: `m${i}`, group: 'business', weight: 1, ...metric })),
    tiers: extra.tiers ?? [
      { name: 'Gold', minScore: 60 },
      { name: 'Silver', minScore: 40 },
      { name: 'Bronze', minScore: 0 },
    ],
    tierHysteresis: extra.tierHysteresis ?? 2,
  });
}

export interface TestPartner {
  id: string;
  asOf?: string;
  metrics: Record<string, number>;
}

/** Scores partners given as records at RUN_TIME. */
export function scoreAll(
  model: ScoringModel,
  partners: TestPartner[],
  previousTiers?: (string | null)[],
): PopulationScores {
  const records = partners.map((p) => ({ id: p.id, asOf: p.asOf ?? RUN_ISO, metrics: p.metrics }));
  return scorePopulation(model, toColumns(model, records), { runTimeMs: RUN_TIME, previousTiers });
}

/** One-metric population `m0` with the given values (undefined = missing), ids p0, p1, …. */
export function single(values: (number | undefined)[]): TestPartner[] {
  return values.map((value, i) => ({
    id: `p${i}`,
    metrics: value === undefined ? {} : ({ m0: value } as Record<string, number>),
  }));
}

/** The seed document's four partners. */
export const SEED_PARTNERS: TestPartner[] = [
  {
    id: 'PartnerA',
    metrics: {
      Sales: 10000,
      Transactions: 50,
      Reputation: 90,
      CommunicationFrequency: 3,
      CommonCustomers: 20,
    },
  },
  {
    id: 'PartnerB',
    metrics: {
      Sales: 20000,
      Transactions: 100,
      Reputation: 95,
      CommunicationFrequency: 5,
      CommonCustomers: 30,
    },
  },
  {
    id: 'PartnerC',
    metrics: {
      Sales: 15000,
      Transactions: 75,
      Reputation: 85,
      CommunicationFrequency: 4,
      CommonCustomers: 25,
    },
  },
  {
    id: 'PartnerD',
    metrics: {
      Sales: 30000,
      Transactions: 150,
      Reputation: 98,
      CommunicationFrequency: 5,
      CommonCustomers: 40,
    },
  },
];
