/** Ports of rankings: a run's materialised ranking pages, movers and search index. */
import type { Mover, RankingEntry } from '../api/rankings.schema.ts';
import type { SearchPage } from '../partners/search-index.ts';

/**
 * A page of a list as stored: the next entries of the list after those of pages `0 … page - 1`.
 * Pages hold up to `PAGE_SIZE` entries and up to `PAGE_MAX_BYTES`, so their lengths
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
