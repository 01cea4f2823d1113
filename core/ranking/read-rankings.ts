import { ValidationError } from '../errors.ts';
import type { RunStore } from '../runs/run-store.ts';
import { type CursorSigner, decodeCursor, encodeCursor, filterKey } from './cursor.ts';
import { lists, PAGE_SIZE, type RankingEntry, type RankingPage, type RankingStore } from './ranking-store.ts';

export interface RankingQuery {
  limit: number;
  cursor?: string;
  tier?: string;
  region?: string;
  type?: string;
}

export interface RankingItem {
  rank: number;
  id: string;
  name: string;
  score: number;
  tier: string | null;
  previousRank: number | null;
}

/** One page of the current ranking (contract §3). */
export interface RankingResponse {
  runId: string | null;
  modelVersion: number | null;
  scoredAt: string | null;
  stale: boolean;
  items: RankingItem[];
  nextCursor: string | null;
}

export interface ReadRankingsDeps {
  runs: Pick<RunStore, 'getCurrentAndChangedAt' | 'getRun'>;
  rankings: Pick<RankingStore, 'getPages'>;
  signer: CursorSigner;
}

/**
 * Reads one page of the current run's ranking. Filters keep global ranks: a single filter reads its
 * own materialised list; combined filters read the smallest of their lists and apply the others in
 * memory. Without filters and cursor, a page within the top {@link PAGE_SIZE} comes from the
 * current-run pointer itself: one round trip. A cursor is bound to its run and filters; after the
 * ranking switched to a newer run, an older run's cursor is a 400 asking to start again.
 */
export async function readRankings(deps: ReadRankingsDeps, query: RankingQuery): Promise<RankingResponse> {
  const filters = filterKey(query);
  const cursor = query.cursor === undefined ? null : await decodeCursor(deps.signer, query.cursor, filters);
  const { current, changedAt } = await deps.runs.getCurrentAndChangedAt();
  if (!current) {
    if (cursor) throw new ValidationError([{ path: '/query/cursor', message: 'there is no ranking yet' }]);
    return { runId: null, modelVersion: null, scoredAt: null, stale: false, items: [], nextCursor: null };
  }
  if (cursor && cursor.runId !== current.runId) {
    throw new ValidationError([
      {
        path: '/query/cursor',
        message: 'the ranking was recomputed since this cursor was issued: start again from the first page',
      },
    ]);
  }
  const header = {
    runId: current.runId,
    modelVersion: current.modelVersion,
    scoredAt: current.scoredAt,
    stale: changedAt !== null && changedAt > current.scoredAt,
  };
  const predicate = (entry: RankingEntry) =>
    (query.tier === undefined || entry.tier === query.tier) &&
    (query.region === undefined || entry.region === query.region) &&
    (query.type === undefined || entry.type === query.type);

  const list = cursor?.list ?? (await chooseList(deps, current.runId, query));
  if (list === null) return { ...header, items: [], nextCursor: null };
  const start = cursor?.position ?? 0;

  let prefetched: RankingPage | null = null;
  if (list === lists.all && start === 0 && current.head) {
    if (query.limit < current.head.length || current.head.length < PAGE_SIZE) {
      const items = current.head.slice(0, query.limit);
      const more = current.head.length > query.limit;
      return {
        ...header,
        items: items.map(toItem),
        nextCursor: more
          ? await encodeCursor(deps.signer, { runId: current.runId, list, position: query.limit, filters })
          : null,
      };
    }
    prefetched = { page: 0, entries: current.head };
  }

  const { items, next } = await collect(
    deps.rankings,
    current.runId,
    list,
    start,
    query.limit,
    predicate,
    prefetched,
  );
  return {
    ...header,
    items: items.map(toItem),
    nextCursor:
      next === null
        ? null
        : await encodeCursor(deps.signer, { runId: current.runId, list, position: next, filters }),
  };
}

/** The list to read: `all`, the one filter's list, or the smallest list of combined filters. */
async function chooseList(
  deps: ReadRankingsDeps,
  runId: string,
  query: RankingQuery,
): Promise<string | null> {
  const candidates = [
    query.tier === undefined ? null : lists.tier(query.tier),
    query.region === undefined ? null : lists.region(query.region),
    query.type === undefined ? null : lists.type(query.type),
  ].filter((list): list is string => list !== null);
  if (candidates.length === 0) return lists.all;
  if (candidates.length === 1) return candidates[0] as string;
  const sizes = (await deps.runs.getRun(runId))?.lists ?? {};
  let best: string | null = null;
  for (const list of candidates) {
    const size = sizes[list] ?? 0;
    if (size === 0) return null; // one filter matches nobody: neither does the combination
    if (best === null || size < (sizes[best] ?? 0)) best = list;
  }
  return best;
}

/**
 * Walks `list` from `start`, keeping entries that pass `predicate`, until `limit` are kept; `next`
 * is the position of the next matching entry, or null at the end of the list.
 */
async function collect(
  rankings: ReadRankingsDeps['rankings'],
  runId: string,
  list: string,
  start: number,
  limit: number,
  predicate: (entry: RankingEntry) => boolean,
  prefetched: RankingPage | null,
): Promise<{ items: RankingEntry[]; next: number | null }> {
  const items: RankingEntry[] = [];
  let page = Math.floor(start / PAGE_SIZE);
  for (;;) {
    // Enough pages for the rest of the page plus one entry to know whether more follow.
    const count = Math.ceil((limit - items.length + 1) / PAGE_SIZE) + 1;
    const pages =
      prefetched && page === 0
        ? [prefetched, ...(await rankings.getPages(runId, list, 1, count - 1))]
        : await rankings.getPages(runId, list, page, count);
    for (const { page: number, entries } of pages) {
      for (let j = 0; j < entries.length; j++) {
        const position = number * PAGE_SIZE + j;
        const entry = entries[j] as RankingEntry;
        if (position < start || !predicate(entry)) continue;
        if (items.length === limit) return { items, next: position };
        items.push(entry);
      }
    }
    const last = pages.at(-1);
    if (!last || pages.length < count || last.entries.length < PAGE_SIZE) return { items, next: null };
    page = last.page + 1;
  }
}

function toItem(entry: RankingEntry): RankingItem {
  return {
    rank: entry.rank,
    id: entry.id,
    name: entry.name,
    score: entry.score,
    tier: entry.tier,
    previousRank: entry.previousRank,
  };
}
