import { describe, expect, it } from 'vitest';
import type { Mover } from '#core/api/rankings.schema.ts';
import { compareMovers, MoversCollector } from '#core/runs/movers.ts';

const mover = (
  i: number,
  rank: number,
  previousRank: number,
  tier = 'Gold',
  previousTier = 'Gold',
): Mover => ({
  id: `m-${i}`,
  name: `M ${i}`,
  rank,
  previousRank,
  score: 100 - rank,
  previousScore: 100 - previousRank,
  tier,
  previousTier,
});

describe('MoversCollector', () => {
  it('keeps every tier change and the largest rank moves, largest move first, in bounded lists', () => {
    const collector = new MoversCollector(3, 2);
    collector.add(mover(0, 5, 5)); // unchanged: no mover
    for (let i = 1; i <= 50; i++) collector.add(mover(i, i, i + (i % 10))); // moves 0..9
    collector.add(mover(100, 7, 8, 'Silver', 'Gold')); // tier change with a move of 1
    collector.add(mover(101, 9, 9, 'Gold', 'Silver')); // tier change without a rank move
    const result = collector.result();
    expect(result.map((m) => m.id)).toEqual(['m-9', 'm-19', 'm-29', 'm-100', 'm-101']);
    expect([...result].sort(compareMovers)).toEqual(result);
  });

  it('keeps the largest moves among too many tier changes', () => {
    const collector = new MoversCollector(0, 3);
    for (let i = 0; i < 100; i++) collector.add(mover(i, 50, 50 + i, 'Gold', 'Silver'));
    expect(collector.result().map((m) => m.id)).toEqual(['m-99', 'm-98', 'm-97']);
  });
});
