import { parseScoringModel, type ScoringModel } from './scoring-model.ts';

const TIERS = [
  { name: 'Platinum', minScore: 80 },
  { name: 'Gold', minScore: 60 },
  { name: 'Silver', minScore: 40 },
  { name: 'Bronze', minScore: 0 },
];

/**
 * The model the service starts with: the seed's five metrics with its proportions as points
 * (25, 25, 25, 12.5, 12.5, summing to 100), min-max normalised, missing values counted as zero.
 */
export const DEFAULT_MODEL: ScoringModel = parseScoringModel({
  metrics: [
    { name: 'sales', group: 'business', weight: 25 },
    { name: 'transactions', group: 'business', weight: 25 },
    { name: 'reputation', group: 'business', weight: 25 },
    { name: 'communicationFrequency', group: 'relationship', weight: 12.5 },
    { name: 'commonCustomers', group: 'relationship', weight: 12.5 },
  ].map((m) => ({ ...m, normalization: 'minmax', direction: 'higher', missing: 'zero' })),
  tiers: TIERS,
  tierHysteresis: 2,
});

/**
 * The seed design document's formula: raw values times 0.2/0.2/0.2/0.1/0.1, no normalisation.
 * On the seed's four partners it gives PartnerD 6054.1, PartnerB 4042.5, PartnerC 3034.9, PartnerA 2030.3.
 */
export const SEED_PRESET: ScoringModel = parseScoringModel({
  metrics: [
    { name: 'sales', group: 'business', weight: 0.2 },
    { name: 'transactions', group: 'business', weight: 0.2 },
    { name: 'reputation', group: 'business', weight: 0.2 },
    { name: 'communicationFrequency', group: 'relationship', weight: 0.1 },
    { name: 'commonCustomers', group: 'relationship', weight: 0.1 },
  ].map((m) => ({ ...m, normalization: 'none', direction: 'higher', missing: 'zero' })),
  tiers: TIERS,
  tierHysteresis: 2,
});
