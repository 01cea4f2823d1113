import { describe, expect, it } from 'vitest';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import { DEFAULT_WORKLIST_CONFIG } from '#core/worklist/worklist-config.ts';
import { type Condition, conditionsOf, mergeItems, type OpenItem } from '#core/worklist/worklist-items.ts';

const model = parseScoringModel({
  metrics: [{ name: 'sales', group: 'business', weight: 1, normalization: 'none' }],
  tiers: [
    { name: 'Gold', minScore: 60 },
    { name: 'Silver', minScore: 40 },
  ],
  tierHysteresis: 2,
});
const NOW = Date.parse('2026-12-01T00:00:00Z');
const facts = (score: number, tier: string | null, extra: { asOfMs?: number; scoreThen?: number } = {}) => ({
  score,
  tier,
  asOfMs: extra.asOfMs ?? NOW,
  scoreThen: extra.scoreThen ?? Number.NaN,
});
const reasons = (found: Condition[]) => found.map((c) => `${c.reason}:${c.severity}`);

describe('worklist conditions', () => {
  it('TIER_AT_RISK high when held by hysteresis, medium within nearTierPoints, none beyond', () => {
    expect(reasons(conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(59, 'Gold')))).toEqual([
      'TIER_AT_RISK:high',
    ]);
    expect(reasons(conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(62.5, 'Gold')))).toEqual([
      'TIER_AT_RISK:medium',
    ]);
    expect(conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(63, 'Gold'))).toEqual([]);
  });

  it('NEAR_NEXT_TIER low when 0 < pointsNeeded ≤ nearTierPoints', () => {
    expect(conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(58, 'Silver'))).toEqual([
      { reason: 'NEAR_NEXT_TIER', severity: 'low', detail: { nextTier: 'Gold', pointsNeeded: 2 } },
    ]);
    expect(conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(56.9, 'Silver'))).toEqual([]);
  });

  it('DROPPING when the score fell by at least dropPoints; STALE by asOf age', () => {
    const dropping = conditionsOf(
      model,
      DEFAULT_WORKLIST_CONFIG,
      NOW,
      facts(50, 'Silver', { scoreThen: 60 }),
    );
    expect(dropping).toEqual([
      { reason: 'DROPPING', severity: 'medium', detail: { change: -10, scoreThen: 60, runsBack: 3 } },
    ]);
    const day = 86_400_000;
    expect(
      reasons(
        conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(50, 'Silver', { asOfMs: NOW - 40 * day })),
      ),
    ).toEqual(['STALE:medium']);
    expect(
      reasons(
        conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(50, 'Silver', { asOfMs: NOW - 120 * day })),
      ),
    ).toEqual(['STALE:high']);
    expect(
      conditionsOf(model, DEFAULT_WORKLIST_CONFIG, NOW, facts(50, 'Silver', { asOfMs: NOW - 30 * day })),
    ).toEqual([]);
  });
});

describe('merging a partner’s items across runs', () => {
  const at = (n: number) => ({
    runId: `run-${n}`,
    startedAt: new Date(NOW + n * 86_400_000).toISOString(),
    timeMs: NOW + n * 86_400_000,
  });
  const risk: Condition = { reason: 'TIER_AT_RISK', severity: 'high', detail: { margin: -1 } };

  it('keeps the id while open, resolves after two runs without the condition, reopens with a new id', () => {
    const one = mergeItems('p', [], [risk], at(1));
    expect(one.opened).toHaveLength(1);
    const id = one.opened[0]?.itemId;
    const two = mergeItems('p', one.items, [risk], at(2));
    expect(two.items.map((i) => i.itemId)).toEqual([id]);
    expect(two.opened).toEqual([]);
    const three = mergeItems('p', two.items, [], at(3));
    expect(three.items.map((i) => i.itemId)).toEqual([id]);
    expect(three.resolved).toEqual([]);
    // The condition returns after one clear run: the same item, no flap.
    const back = mergeItems('p', three.items, [risk], at(4));
    expect(back.items.map((i) => [i.itemId, i.clearRuns])).toEqual([[id, 0]]);
    const five = mergeItems('p', back.items, [], at(5));
    const six = mergeItems('p', five.items, [], at(6));
    expect(six.resolved.map((i) => i.itemId)).toEqual([id]);
    expect(six.items).toEqual([]);
    const seven = mergeItems('p', six.items, [risk], at(7));
    expect(seven.opened[0]?.itemId).not.toBe(id);
  });

  it('a snooze ends at its date or when the severity rises', () => {
    const base = mergeItems('p', [], [{ ...risk, severity: 'medium' }], at(1)).items[0] as OpenItem;
    const snoozed: OpenItem = { ...base, state: 'snoozed', snoozedUntil: null, snoozeSeverity: 'medium' };
    expect(mergeItems('p', [snoozed], [{ ...risk, severity: 'medium' }], at(2)).items[0]?.state).toBe(
      'snoozed',
    );
    expect(mergeItems('p', [snoozed], [risk], at(2)).items[0]?.state).toBe('open');
    const dated: OpenItem = { ...snoozed, snoozedUntil: new Date(NOW + 1.5 * 86_400_000).toISOString() };
    expect(mergeItems('p', [dated], [{ ...risk, severity: 'medium' }], at(1)).items[0]?.state).toBe(
      'snoozed',
    );
    expect(mergeItems('p', [dated], [{ ...risk, severity: 'medium' }], at(2)).items[0]?.state).toBe('open');
  });
});
