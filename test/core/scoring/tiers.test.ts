import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { assignTier, nextTierOf, tierIndexOf } from '#core/scoring/tiers.ts';
import { modelOf, scoreAll, single } from './fixtures.ts';

// Default tiers: Platinum 80, Gold 60, Silver 40, Bronze 0; hysteresis 2.
describe('assignTier', () => {
  it('gives the highest tier whose minScore is at most the score', () => {
    expect(assignTier(DEFAULT_MODEL, 100, null)).toBe('Platinum');
    expect(assignTier(DEFAULT_MODEL, 80, null)).toBe('Platinum');
    expect(assignTier(DEFAULT_MODEL, 79.999, null)).toBe('Gold');
    expect(assignTier(DEFAULT_MODEL, 0, null)).toBe('Bronze');
    expect(assignTier(DEFAULT_MODEL, -0.5, null)).toBeNull();
    expect(tierIndexOf(DEFAULT_MODEL, 45)).toBe(2);
  });

  it('keeps a higher previous tier while the score stays within the hysteresis', () => {
    expect(assignTier(DEFAULT_MODEL, 78, 'Platinum')).toBe('Platinum');
    expect(assignTier(DEFAULT_MODEL, 77.999, 'Platinum')).toBe('Gold');
    expect(assignTier(DEFAULT_MODEL, -2, 'Bronze')).toBe('Bronze');
    expect(assignTier(DEFAULT_MODEL, -2.1, 'Bronze')).toBeNull();
  });

  it('holds only the previous tier itself, not one in between', () => {
    expect(assignTier(DEFAULT_MODEL, 59, 'Platinum')).toBe('Silver');
  });

  it('never promotes', () => {
    expect(assignTier(DEFAULT_MODEL, 59, 'Silver')).toBe('Silver');
    expect(assignTier(DEFAULT_MODEL, 79, 'Silver')).toBe('Gold');
    expect(assignTier(DEFAULT_MODEL, 59, 'Gold')).toBe('Gold');
  });

  it('ignores a previous tier the model no longer has', () => {
    expect(assignTier(DEFAULT_MODEL, 59, 'Diamond')).toBe('Silver');
  });
});

describe('nextTierOf', () => {
  it('names the tier above the one held and the points still needed', () => {
    expect(nextTierOf(DEFAULT_MODEL, 'Gold', 70.5)).toEqual({ name: 'Platinum', pointsNeeded: 9.5 });
    expect(nextTierOf(DEFAULT_MODEL, 'Bronze', 12)).toEqual({ name: 'Silver', pointsNeeded: 28 });
  });

  it('is null at the top and the lowest tier when none is held', () => {
    expect(nextTierOf(DEFAULT_MODEL, 'Platinum', 99)).toBeNull();
    expect(nextTierOf(DEFAULT_MODEL, null, -3)).toEqual({ name: 'Bronze', pointsNeeded: 3 });
  });

  it('reads a tier the model no longer has as the tier the score earns', () => {
    expect(nextTierOf(DEFAULT_MODEL, 'Diamond', 65)).toEqual({ name: 'Platinum', pointsNeeded: 15 });
    expect(nextTierOf(DEFAULT_MODEL, 'Diamond', -1)).toEqual({ name: 'Bronze', pointsNeeded: 1 });
  });

  it('can need negative points when hysteresis holds a partner below its own tier', () => {
    expect(nextTierOf(DEFAULT_MODEL, 'Gold', 81)).toEqual({ name: 'Platinum', pointsNeeded: -1 });
  });
});

describe('scorePopulation tiers', () => {
  const model = modelOf([{ normalization: 'none' }], {
    tiers: [
      { name: 'Gold', minScore: 60 },
      { name: 'Silver', minScore: 40 },
    ],
    tierHysteresis: 5,
  });

  it('assigns tiers with hysteresis against the previous run', () => {
    const result = scoreAll(model, single([70, 57, 54, 57, 30, 36]), [
      'Silver',
      'Gold',
      'Gold',
      null,
      'Silver',
      'Silver',
    ]);
    expect(Array.from(result.tierIndex)).toEqual([0, 0, 1, 1, -1, 1]);
  });

  it('needs no previous tiers', () => {
    expect(Array.from(scoreAll(model, single([70, 57, 20])).tierIndex)).toEqual([0, 1, -1]);
  });
});
