import { ValidationError } from '../errors.ts';
import type { RunStore } from '../runs/run-store.ts';
import { type CursorSigner, decodeCursor, encodeCursor, filterKey, type RankingCursor } from './cursor.ts';
import { lists, PAGE_SIZE, type RankingEntry, type RankingPage, type RankingStore } from './ranking-store.ts';

export interface RankingQuery {
  limit: number;
  cursor?: string;
  tier?: string;
  region?: string;
  type?: string;
}

/** One row of a ranking page as the API returns it: the stored entry without the filter fields. */
export type RankingItem = Omit<RankingEntry, 'region' | 'type'>;

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
 * memory. Without filters, a page within the top page comes from the current-run pointer itself:
 * one round trip. Stored pages vary in length (they are bounded in bytes too), so a cursor holds a
 * page and an offset. A cursor is bound to its run and filters; after the ranking switched to a
 * newer run, an older run's cursor is a 400 asking to start again.
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
  const start: Place = cursor ?? { page: 0, offset: 0 };
  const cursorAt = async (place: Place | null) =>
    place === null
      ? null
      : await encodeCursor(deps.signer, { runId: current.runId, list, ...place, filters });

  // The pointer's head is page 0 of `all`: complete, so a head shorter than a page is the whole list.
  const head = list === lists.all && start.page === 0 ? current.head : undefined;
  if (head && (start.offset + query.limit < head.length || head.length < PAGE_SIZE)) {
    const end = start.offset + query.limit;
    return {
      ...header,
      items: head.slice(start.offset, end).map(toItem),
      nextCursor: await cursorAt(end < head.length ? { page: 0, offset: end } : null),
    };
  }
  const { items, next } = await collect(
    deps.rankings,
    current.runId,
    list,
    start,
    query.limit,
    predicate,
    head ? { page: 0, entries: head } : null,
  );
  return { ...header, items: items.map(toItem), nextCursor: await cursorAt(next) };
}

/** A place in a list: an entry of a stored page. */
type Place = Pick<RankingCursor, 'page' | 'offset'>;

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
 * is the place of the next matching entry, or null at the end of the list.
 */
async function collect(
  rankings: ReadRankingsDeps['rankings'],
  runId: string,
  list: string,
  start: Place,
  limit: number,
  predicate: (entry: RankingEntry) => boolean,
  prefetched: RankingPage | null,
): Promise<{ items: RankingEntry[]; next: Place | null }> {
  const items: RankingEntry[] = [];
  let page = start.page;
  for (;;) {
    // Enough full pages for the rest plus one entry to know whether more follow (fewer when pages
    // were closed early by their byte budget: the loop then reads on).
    const count = Math.ceil((limit - items.length + 1) / PAGE_SIZE) + 1;
    const pages =
      prefetched && page === 0
        ? [prefetched, ...(await rankings.getPages(runId, list, 1, count - 1))]
        : await rankings.getPages(runId, list, page, count);
    for (const { page: number, entries } of pages) {
      for (let offset = number === start.page ? start.offset : 0; offset < entries.length; offset++) {
        const entry = entries[offset] as RankingEntry;
        if (!predicate(entry)) continue;
        if (items.length === limit) return { items, next: { page: number, offset } };
        items.push(entry);
      }
    }
    // Pages are numbered without gaps: fewer than asked for means the list ended.
    const last = pages.at(-1);
    if (!last || pages.length < count) return { items, next: null };
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
