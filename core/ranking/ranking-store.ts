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
}

/** A page of a list as stored: the entries at positions `page * PAGE_SIZE …` of the list. */
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

/** Entries per stored page: 100 compact entries ≈ 8–10 KB, so a top-50 read is ≤ 3 RRU. */
export const PAGE_SIZE = 100;

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
];

/** Compact form of entries in a page item: one JSON string of tuples (no per-entry attribute names). */
export function encodeEntries(entries: readonly RankingEntry[]): string {
  return JSON.stringify(
    entries.map((e): EntryTuple => [e.rank, e.id, e.name, e.score, e.tier, e.previousRank, e.region, e.type]),
  );
}

export function decodeEntries(text: string): RankingEntry[] {
  return (JSON.parse(text) as EntryTuple[]).map(
    ([rank, id, name, score, tier, previousRank, region, type]) => ({
      rank,
      id,
      name,
      score,
      tier,
      previousRank,
      region,
      type,
    }),
  );
}
