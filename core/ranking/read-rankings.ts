import type { RankingEntry, RankingResponse } from '../api/rankings.schema.ts';
import { neutraliseCell } from '../csv/error-report.ts';
import { ValidationError } from '../errors.ts';
import { etagOf, matchesEtag, type NotModified } from '../etag.ts';
import type { CursorSigner, RankingPage, RankingStore, RunStore } from '../ports.ts';
import { decodeCursor, encodeCursor, filterKey, type RankingCursor } from './cursor.ts';
import { listSize } from './filter-lists.ts';
import { lists, PAGE_SIZE } from './ranking-store.ts';

export interface RankingQuery {
  limit: number;
  cursor?: string;
  tier?: string;
  region?: string;
  type?: string;
  /** An `If-None-Match` header: when it names this answer's ETag, no page is read. */
  ifNoneMatch?: string;
}

export interface ReadRankingsDeps {
  runs: Pick<RunStore, 'getCurrentAndChangedAt' | 'getRun'>;
  rankings: Pick<RankingStore, 'getPages'>;
  signer: CursorSigner;
}

/** Header fields of a ranking answer. */
type RankingHeader = Pick<RankingResponse, 'runId' | 'modelVersion' | 'scoredAt' | 'stale'>;

/** Stored entries of one page of the ranking, before they are shaped as JSON items or CSV rows. */
interface EntriesPage extends RankingHeader {
  entries: RankingEntry[];
  nextCursor: string | null;
  etag: string;
}

/**
 * Most stored pages one request reads (besides the pointer's head): a filter that matches few
 * partners walks at most this many before answering with what it found and a cursor to go on.
 */
export const MAX_PAGES_PER_REQUEST = 20;
/** The same bound for one part of the CSV export (about 100,000 entries examined). */
export const MAX_CSV_PAGES_PER_REQUEST = 1_000;

/**
 * Reads one page of the current run's ranking. Filters keep global ranks: a filter reads the
 * smallest materialised list among its values and applies the others in memory; a value without a
 * list of its own (a rare region or type, see `planFilterLists`) is answered from the `all` list.
 * One request reads at most {@link MAX_PAGES_PER_REQUEST} pages, so a page may hold fewer items than
 * `limit` (even none) while `nextCursor` says that the list goes on. The filters apply to every page,
 * the first included: a page found within the top page comes from the current-run pointer itself
 * (one round trip), filtered like any other. Stored pages vary in length (they are bounded in bytes
 * too), so a cursor holds a page and an offset. A cursor is bound to its run and filters; after the ranking switched to a
 * newer run, an older run's cursor is a 400 asking to start again. With `ifNoneMatch` naming the
 * answer's ETag, only the current-run pointer is read and {@link NotModified} returned.
 */
export async function readRankings(
  deps: ReadRankingsDeps,
  query: RankingQuery & { ifNoneMatch?: undefined },
): Promise<RankingResponse & { etag: string }>;
export async function readRankings(
  deps: ReadRankingsDeps,
  query: RankingQuery,
): Promise<(RankingResponse & { etag: string }) | NotModified>;
export async function readRankings(
  deps: ReadRankingsDeps,
  query: RankingQuery,
): Promise<(RankingResponse & { etag: string }) | NotModified> {
  const page = await readEntries(deps, query, 'json');
  if ('notModified' in page) return page;
  const { entries, ...rest } = page;
  return { ...rest, items: entries.map(toItem) };
}

/** The columns of the ranking CSV (contract §3). */
export const RANKING_CSV_HEADER = ['rank', 'id', 'name', 'score', 'tier', 'previousRank', 'region', 'type'];

/**
 * Most bytes of CSV in one answer, counted as they travel in Lambda's JSON response (quotes and line
 * ends escaped): with headers it stays under the 6 MB response limit of Lambda and API Gateway.
 */
export const MAX_CSV_BYTES = 5 * 1024 * 1024;

/** One part of the ranking as CSV; `nextCursor` continues it when the list did not fit. */
export interface RankingCsv {
  csv: string;
  nextCursor: string | null;
  etag: string;
}

/**
 * The filtered ranking as CSV (header `rank,id,name,score,tier,previousRank,region,type`), every text
 * cell neutralised against formula injection as in the import's error report. One answer holds the
 * whole list when it fits in `maxBytes` (about 60,000 rows of usual names), otherwise as many rows as
 * fit and a cursor for the rest: the header comes only with the first part, so the parts concatenate
 * to one file. `limit` caps the rows of a part.
 */
export async function readRankingsCsv(
  deps: ReadRankingsDeps,
  query: Omit<RankingQuery, 'limit'> & { limit?: number },
  maxBytes = MAX_CSV_BYTES,
): Promise<RankingCsv | NotModified> {
  let bytes = 0;
  const lines: string[] = [];
  const fits = (line: string) => {
    // Bytes in Lambda's JSON payload: the line escaped as a JSON string, plus its line end (`\r\n`, 4).
    const size = Buffer.byteLength(JSON.stringify(line)) - 2 + 4;
    if (bytes + size > maxBytes && lines.length > 0) return false;
    bytes += size;
    lines.push(line);
    return true;
  };
  if (query.cursor === undefined) fits(RANKING_CSV_HEADER.join(','));
  const page = await readEntries(
    deps,
    { ...query, limit: query.limit ?? Number.MAX_SAFE_INTEGER },
    'csv',
    (entry) => fits(csvRow(entry)),
  );
  if ('notModified' in page) return page;
  const csv = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  return { csv, nextCursor: page.nextCursor, etag: page.etag };
}

function csvRow(entry: RankingEntry): string {
  const text = (value: string | null) => (value === null ? '' : csvCell(neutraliseCell(value)));
  return [
    String(entry.rank),
    text(entry.id),
    text(entry.name),
    String(entry.score),
    text(entry.tier),
    entry.previousRank === null ? '' : String(entry.previousRank),
    text(entry.region),
    text(entry.type),
  ].join(',');
}

/** RFC 4180 quoting where a cell needs it. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The ETag of a ranking answer: it changes when the ranking switches to another run or turns stale,
 * and differs per query and format; nothing else changes the body.
 */
function rankingEtag(header: RankingHeader, format: string, query: RankingQuery): string {
  return etagOf([header.runId, header.stale, format, query.limit, query.cursor ?? null, filterKey(query)]);
}

async function readEntries(
  deps: ReadRankingsDeps,
  query: RankingQuery,
  format: 'json' | 'csv',
  accept: (entry: RankingEntry) => boolean = () => true,
): Promise<EntriesPage | NotModified> {
  const filters = filterKey(query);
  const cursor = query.cursor === undefined ? null : await decodeCursor(deps.signer, query.cursor, filters);
  let { current, changedAt } = await deps.runs.getCurrentAndChangedAt();
  // A cursor of another run than the pointer read names: before refusing it, make sure the pointer
  // read was not a stale replica (the hot path reads eventually consistently, at half the cost).
  if (cursor && cursor.runId !== current?.runId) {
    ({ current, changedAt } = await deps.runs.getCurrentAndChangedAt({ consistent: true }));
  }
  if (!current) {
    if (cursor) throw new ValidationError([{ path: '/query/cursor', message: 'there is no ranking yet' }]);
    const header = { runId: null, modelVersion: null, scoredAt: null, stale: false };
    const etag = rankingEtag(header, format, query);
    if (matchesEtag(query.ifNoneMatch, etag)) return { notModified: true, etag };
    return { ...header, entries: [], nextCursor: null, etag };
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
  const etag = rankingEtag(header, format, query);
  if (matchesEtag(query.ifNoneMatch, etag)) return { notModified: true, etag };
  const predicate = (entry: RankingEntry) =>
    (query.tier === undefined || entry.tier === query.tier) &&
    (query.region === undefined || entry.region === query.region) &&
    (query.type === undefined || entry.type === query.type);

  const list = cursor?.list ?? (await chooseList(deps, current.runId, query));
  if (list === null) return { ...header, entries: [], nextCursor: null, etag };
  const start: Place = cursor ?? { page: 0, offset: 0 };
  const cursorAt = async (place: Place | null) =>
    place === null
      ? null
      : await encodeCursor(deps.signer, { runId: current.runId, list, ...place, filters });

  // The pointer's head is page 0 of `all` (complete: a head shorter than a page is the whole list).
  const head = list === lists.all && start.page === 0 ? current.head : undefined;
  const { items, next } = await collect(
    deps.rankings,
    current.runId,
    list,
    start,
    query.limit,
    predicate,
    head ? { page: 0, entries: head } : null,
    accept,
    format === 'csv' ? MAX_CSV_PAGES_PER_REQUEST : MAX_PAGES_PER_REQUEST,
  );
  return { ...header, entries: items, nextCursor: await cursorAt(next), etag };
}

/** A place in a list: an entry of a stored page. */
type Place = Pick<RankingCursor, 'page' | 'offset'>;

/**
 * The list to read: `all` without filters; otherwise the smallest materialised list of the filters'
 * values, or `all` when none of them has one (or the run's list sizes are not written yet: a run
 * writes them just after the switch). `null` when a filter value matches nobody.
 */
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
  const sizes = (await deps.runs.getRun(runId))?.lists;
  if (!sizes) return lists.all;
  let best: { list: string; size: number } | null = null;
  for (const list of candidates) {
    const size = listSize(sizes, list);
    if (size === 0) return null; // one filter matches nobody: neither does the combination
    if (size !== null && (best === null || size < best.size)) best = { list, size };
  }
  return best?.list ?? lists.all;
}

/**
 * Walks `list` from `start`, keeping entries that pass `predicate`, until `limit` are kept or
 * `accept` refuses one (a byte budget) or `maxPages` pages were read; `next` is the place to go on
 * from (the next matching entry, or the first page not read), or null at the end of the list.
 * `prefetched` (the pointer's head, page 0 of `all`) is walked first, alone: pages are read only when
 * it does not answer the request.
 */
async function collect(
  rankings: ReadRankingsDeps['rankings'],
  runId: string,
  list: string,
  start: Place,
  limit: number,
  predicate: (entry: RankingEntry) => boolean,
  prefetched: RankingPage | null,
  accept: (entry: RankingEntry) => boolean,
  maxPages: number,
): Promise<{ items: RankingEntry[]; next: Place | null }> {
  const items: RankingEntry[] = [];
  let page = start.page;
  let budget = maxPages;
  for (;;) {
    let pages: RankingPage[];
    let asked: number;
    if (prefetched !== null && page === 0) {
      // The head is walked first, alone: a top page (filtered or not) found in it costs no read.
      pages = [prefetched];
      asked = prefetched.entries.length < PAGE_SIZE ? Number.POSITIVE_INFINITY : 1;
    } else {
      // Enough full pages for the rest plus one entry to know whether more follow (fewer when pages
      // were closed early by their byte budget: the loop then reads on), within the request's budget.
      asked = Math.min(Math.ceil((limit - items.length + 1) / PAGE_SIZE) + 1, budget);
      pages = await rankings.getPages(runId, list, page, asked);
      budget -= asked;
    }
    for (const { page: number, entries } of pages) {
      for (let offset = number === start.page ? start.offset : 0; offset < entries.length; offset++) {
        const entry = entries[offset] as RankingEntry;
        if (!predicate(entry)) continue;
        if (items.length === limit || !accept(entry)) return { items, next: { page: number, offset } };
        items.push(entry);
      }
    }
    // Pages are numbered without gaps: fewer than asked for means the list ended (a head shorter
    // than a page counts as asking for more than there is).
    const last = pages.at(-1);
    if (!last || pages.length < asked) return { items, next: null };
    page = last.page + 1;
    if (budget <= 0) return { items, next: { page, offset: 0 } };
  }
}

/** The stored entry as a JSON item, field for field (a stored entry may carry more). */
function toItem(entry: RankingEntry): RankingEntry {
  return {
    rank: entry.rank,
    id: entry.id,
    name: entry.name,
    score: entry.score,
    tier: entry.tier,
    previousRank: entry.previousRank,
    region: entry.region,
    type: entry.type,
    coverage: entry.coverage,
  };
}
