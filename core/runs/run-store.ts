import type { RunRecord } from '../ports.ts';
import { lists } from '../ranking/ranking-store.ts';

const TIER_LIST_PREFIX = lists.tier('');

/**
 * Partners per tier of a completed run, from the sizes of its `tier:<name>` ranking lists (written
 * at completion); `null` for a run that has not completed.
 */
export function tierCounts(run: Pick<RunRecord, 'status' | 'lists'>): Record<string, number> | null {
  if (run.status !== 'completed' || !run.lists) return null;
  const tiers: Record<string, number> = {};
  for (const [list, size] of Object.entries(run.lists)) {
    if (list.startsWith(TIER_LIST_PREFIX)) tiers[list.slice(TIER_LIST_PREFIX.length)] = size;
  }
  return tiers;
}
