import type { RankingEntry } from '../api/rankings.schema.ts';
import type { RankingStore } from '../ports.ts';

/** Most entries per stored page: 100 compact entries ≈ 8–10 KB, so a top-50 read is ≤ 3 RRU. */
export const PAGE_SIZE = 100;
/**
 * Most UTF-8 bytes of a stored page's encoded entries. A page is closed early when the next entry
 * would pass it (long multi-byte names), so a page item stays well below DynamoDB's 400 KB item
 * limit and a few of them below a Query response's 1 MB.
 */
export const PAGE_MAX_BYTES = 300 * 1024;
/** Most UTF-8 bytes of the top page copied into the current-run pointer (read by every request). */
export const HEAD_MAX_BYTES = 64 * 1024;

/** Names of the ranking lists. */
export const lists = {
  all: 'all',
  tier: (name: string) => `tier:${name}`,
  region: (value: string) => `region:${value}`,
  type: (value: string) => `type:${value}`,
} as const;

/** A partner's tier, rank and score in one run. */
export interface RunPlace {
  tier: string | null;
  rank: number;
  score: number;
}

/** Tier, rank and score of every partner of a completed run, by id, from its `all` list. */
export async function readRunPlaces(
  rankings: Pick<RankingStore, 'readList'>,
  runId: string,
): Promise<Map<string, RunPlace>> {
  const places = new Map<string, RunPlace>();
  for await (const page of rankings.readList(runId, lists.all)) {
    for (const entry of page.entries)
      places.set(entry.id, { tier: entry.tier, rank: entry.rank, score: entry.score });
  }
  return places;
}

type EntryTuple = [
  number,
  string,
  string,
  number,
  string | null,
  number | null,
  string | null,
  string | null,
  (number | null)?,
];

/** Compact form of entries in a page item: one JSON string of tuples (no per-entry attribute names). */
export function encodeEntries(entries: readonly RankingEntry[]): string {
  return `[${entries.map(encodeEntry).join(',')}]`;
}

/** One entry as it appears in {@link encodeEntries}: a JSON tuple. */
export function encodeEntry(e: RankingEntry): string {
  const tuple: EntryTuple = [
    e.rank,
    e.id,
    e.name,
    e.score,
    e.tier,
    e.previousRank,
    e.region,
    e.type,
    e.coverage,
  ];
  return JSON.stringify(tuple);
}

/** Reverses {@link encodeEntries}. */
export function decodeEntries(text: string): RankingEntry[] {
  return (JSON.parse(text) as EntryTuple[]).map(
    ([rank, id, name, score, tier, previousRank, region, type, coverage]) => ({
      rank,
      id,
      name,
      score,
      tier,
      previousRank,
      region,
      type,
      coverage: coverage ?? null,
    }),
  );
}
