import type { ScoringModel } from '../model/scoring-model.ts';

/** Index of the highest tier whose `minScore` ≤ score (tiers are strictly descending), −1 below all. */
export function tierIndexOf(model: ScoringModel, score: number): number {
  const tiers = model.tiers;
  for (let k = 0; k < tiers.length; k++) if ((tiers[k] as { minScore: number }).minScore <= score) return k;
  return -1;
}

/**
 * The tier a score earns (contract §5), with hysteresis: when `previousTier` is higher than the
 * earned one, it is kept while score ≥ its minScore − tierHysteresis. Hysteresis never promotes.
 */
export function assignTier(model: ScoringModel, score: number, previousTier: string | null): string | null {
  let index = tierIndexOf(model, score);
  if (previousTier !== null) {
    const previous = model.tiers.findIndex((tier) => tier.name === previousTier);
    const held = model.tiers[previous];
    if (held && (index === -1 || previous < index) && score >= held.minScore - model.tierHysteresis) {
      index = previous;
    }
  }
  return model.tiers[index]?.name ?? null;
}

/**
 * The tier above the one held and the points still needed to reach it (its minScore − score);
 * the lowest tier when none is held, null at the top. A held tier the model no longer has (the model
 * changed since the run) counts as the tier the score earns.
 */
export function nextTierOf(
  model: ScoringModel,
  tier: string | null,
  score: number,
): { name: string; pointsNeeded: number } | null {
  let index = tier === null ? -1 : model.tiers.findIndex((t) => t.name === tier);
  if (index === -1) index = tier === null ? -1 : tierIndexOf(model, score);
  if (index === -1) index = model.tiers.length;
  const next = index > 0 ? model.tiers[index - 1] : undefined;
  return next ? { name: next.name, pointsNeeded: next.minScore - score } : null;
}
