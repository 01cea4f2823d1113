import { PARTNER_SHARDS } from '../keys.ts';

/** A work item of a run's read phase: partner shards `firstShard … lastShard` (inclusive). */
export interface RunSegment {
  firstShard: number;
  lastShard: number;
}

/**
 * Splits the partner shards into `count` contiguous segments of near-equal size. One invocation
 * runs every segment today; each is independent, so parallel invocations (or a Step Functions
 * Map) can take one each when the population outgrows one invocation.
 */
export function planSegments(count: number, shards = PARTNER_SHARDS): RunSegment[] {
  const n = Math.max(1, Math.min(shards, Math.floor(count)));
  return Array.from({ length: n }, (_, i) => ({
    firstShard: Math.floor((i * shards) / n),
    lastShard: Math.floor(((i + 1) * shards) / n) - 1,
  }));
}
