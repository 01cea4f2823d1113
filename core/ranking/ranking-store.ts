import type { SearchPage } from '../partners/search-index.ts';
import type { Mover } from '../runs/movers.ts';

/** One partner in a materialised ranking list: what a page shows, plus the fields filters use. */
export interface RankingEntry {
  rank: number;
  id: string;
  name: string;
  score: number;
  tier: string | null;
  /** Rank in the previous completed run; `null` for a partner new to the ranking. */
  previousRank: number | null;
  region: string | null;
  type: string | null;
  /**
   * Σ weights of the metrics the partner has / Σ all weights (contract §3), rounded to 4 decimals;
   * `null` in pages written before runs stored it.
   */
  coverage: number | null;
}

/**
 * A page of a list as stored: the next entries of the list after those of pages `0 … page - 1`.
 * Pages hold up to {@link PAGE_SIZE} entries and up to {@link PAGE_MAX_BYTES}, so their lengths
 * vary: a place in a list is a page and an offset, never a computed page number.
 */
export interface RankingPage {
  page: number;
  entries: RankingEntry[];
}

/** A page of a named list, as a run writes it. */
export interface ListPage extends RankingPage {
  list: string;
}

/** Header fields every page repeats, so a continuing read needs no other item. */
export interface RankingRunHeader {
  runId: string;
  modelVersion: number;
  scoredAt: string;
}

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

/** Materialised ranking pages of runs. */
export interface RankingStore {
  /** Writes pages of a run's lists (any lists, any order). */
  putPages(header: RankingRunHeader, pages: readonly ListPage[], expiresAtSeconds: number): Promise<void>;
  /** Pages `fromPage … fromPage + count - 1` of a list (fewer at its end, none when absent). */
  getPages(runId: string, list: string, fromPage: number, count: number): Promise<RankingPage[]>;
  /** Every page of a list, in order (the previous run's `all` list, read by the next run). */
  readList(runId: string, list: string): AsyncIterable<RankingPage>;
  /** Writes a run's movers, in their order (at most `MOVERS_MAX`). */
  putMovers(runId: string, movers: readonly Mover[], expiresAtSeconds: number): Promise<void>;
  /** The first `limit` movers of a run (none when the run stored none). */
  getMovers(runId: string, limit: number): Promise<Mover[]>;
  /** Writes pages of a run's partner search index. */
  putSearchPages(runId: string, pages: readonly SearchPage[], expiresAtSeconds: number): Promise<void>;
  /**
   * The pages of one bucket of the run's search index from the first whose fence is at or after
   * `from` (all when `from` is empty), in order, read lazily: stop iterating and no more is read.
   */
  readSearchPages(runId: string, bucket: number, from: string): AsyncIterable<SearchPage>;
}

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
