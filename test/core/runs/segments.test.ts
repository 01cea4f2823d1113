import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTNER_SHARDS } from '#core/keys.ts';
import { planSegments } from '#core/runs/segments.ts';

describe('planSegments', () => {
  it('covers every shard exactly once, in order, with sizes differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 80 }), (count) => {
        const segments = planSegments(count);
        const shards = segments.flatMap(({ firstShard, lastShard }) =>
          Array.from({ length: lastShard - firstShard + 1 }, (_, k) => firstShard + k),
        );
        expect(shards).toEqual(Array.from({ length: PARTNER_SHARDS }, (_, k) => k));
        const sizes = segments.map(({ firstShard, lastShard }) => lastShard - firstShard + 1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(segments).toHaveLength(Math.max(1, Math.min(PARTNER_SHARDS, count)));
      }),
    );
  });

  it('splits 32 shards into 8 segments of 4', () => {
    expect(planSegments(8).slice(0, 2)).toEqual([
      { firstShard: 0, lastShard: 3 },
      { firstShard: 4, lastShard: 7 },
    ]);
  });
});
