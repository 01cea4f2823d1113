import { lists } from './ranking-store.ts';

/**
 * Most region and most type values that get a materialised ranking list in one run. Each list is
 * written by the run and named in its record (`RunRecord.lists`), which must stay far below
 * DynamoDB's 400 KB item limit even with 256-character values; free text in these fields (a city,
 * a typo per row) would otherwise add a list per distinct value. Tier lists are always
 * materialised: a model has at most 20 tiers.
 */
export const MAX_LISTS_PER_DIMENSION = 100;

/** The filter dimensions whose values come from partner data (and so are unbounded). */
export type DataDimension = 'region' | 'type';

const DIMENSIONS: readonly DataDimension[] = ['region', 'type'];

/** Which region and type lists a run materialises, and how many partners the others hold. */
export interface FilterListPlan {
  /** Names of the materialised `region:` and `type:` lists. */
  listed: ReadonlySet<string>;
  /** Partners per dimension whose value has no list of its own (answered from the `all` list). */
  unlisted: Record<DataDimension, number>;
}

/**
 * Chooses the lists to materialise from how many partners hold each value: per dimension, the `max`
 * most common values (ties: the smaller value by UTF-16 code units, so the choice is deterministic).
 * A filter on any other value is answered from the `all` list; {@link listSize} tells readers which
 * case they are in.
 */
export function planFilterLists(
  counts: Record<DataDimension, Iterable<readonly [value: string, partners: number]>>,
  max = MAX_LISTS_PER_DIMENSION,
): FilterListPlan {
  const listed = new Set<string>();
  const unlisted = { region: 0, type: 0 };
  for (const dimension of DIMENSIONS) {
    const ranked = [...counts[dimension]]
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
    ranked.forEach(([value, count], i) => {
      if (i < max) listed.add(lists[dimension](value));
      else unlisted[dimension] += count;
    });
  }
  return { listed, unlisted };
}

/** Partners per value, for {@link planFilterLists}. */
export function countValues(values: Iterable<string | null>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Whether a ranking list is materialised under `plan` (`all` and tier lists always are). */
export function isListed(plan: FilterListPlan, list: string): boolean {
  return !DIMENSIONS.some((dimension) => list.startsWith(lists[dimension](''))) || plan.listed.has(list);
}

/** The key of a run's `lists` map that counts a dimension's unlisted partners. */
export function unlistedKey(dimension: DataDimension): string {
  return `unlisted:${dimension}`;
}

/** The `lists` entries a run adds for its unlisted partners (only where there are any). */
export function unlistedSizes(plan: FilterListPlan): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const dimension of DIMENSIONS) {
    if (plan.unlisted[dimension] > 0) sizes[unlistedKey(dimension)] = plan.unlisted[dimension];
  }
  return sizes;
}

/**
 * A list's size from a run's `lists` map: its entry count when materialised, `0` when no partner
 * can match (not materialised and its dimension has no unlisted partners), `null` when it was not
 * materialised but some partners may hold the value (read the `all` list instead).
 */
export function listSize(sizes: Readonly<Record<string, number>>, list: string): number | null {
  const size = sizes[list];
  if (size !== undefined) return size;
  const dimension = DIMENSIONS.find((d) => list.startsWith(lists[d]('')));
  return dimension !== undefined && (sizes[unlistedKey(dimension)] ?? 0) > 0 ? null : 0;
}
