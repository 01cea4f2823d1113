import * as z from 'zod/mini';
import type { PartnerSearch, SearchItem } from '../api/partners.schema.ts';
import { ValidationError } from '../errors.ts';
import type { CursorSigner, RankingStore, RunStore } from '../ports.ts';
import { openFields, signFields } from '../ranking/cursor.ts';
import {
  compareCodePoints,
  entryKey,
  entryMatches,
  SEARCH_BUCKETS,
  SEARCH_PAGE_SIZE,
  searchBucket,
  searchKey,
} from './search-index.ts';

export interface SearchQuery {
  /** Id or name prefix, any case; empty lists every partner. */
  search: string;
  limit: number;
  cursor?: string;
}

export interface SearchPartnersDeps {
  runs: Pick<RunStore, 'getCurrent'>;
  rankings: Pick<RankingStore, 'readSearchPages'>;
  signer: CursorSigner;
}

// The signed cursor: [runId, search key, bucket, fence of the page holding the next result, offset].
const index = z.int().check(z.gte(0));
const cursorSchema = z.tuple([z.string(), z.string(), index.check(z.lt(SEARCH_BUCKETS)), z.string(), index]);

/**
 * `GET /partners?search=`: partners of the current run whose id or name starts with `search`
 * (case-insensitive), in key order, one page. Reads the prefix's bucket of the run's search index
 * from the first page that can hold a match and stops at the first key past the prefix: a page of
 * results reads one or two index pages, whatever the partner count, and never more than a budget
 * per request (a page may then hold fewer items than `limit`, with a cursor). An empty search lists
 * every partner, bucket after bucket. The index is the current run's, like `/rankings`: a
 * partner created or renamed since is found after the next run.
 */
export async function searchPartners(deps: SearchPartnersDeps, query: SearchQuery): Promise<PartnerSearch> {
  const key = searchKey(query.search);
  const cursor =
    query.cursor === undefined ? null : await openFields(deps.signer, query.cursor, cursorSchema);
  if (cursor && cursor[1] !== key) {
    throw new ValidationError([
      { path: '/query/cursor', message: 'belongs to another search: start again without a cursor' },
    ]);
  }
  const current = await deps.runs.getCurrent();
  if (!current) return { items: [], nextCursor: null };
  if (cursor && cursor[0] !== current.runId) {
    throw new ValidationError([
      {
        path: '/query/cursor',
        message: 'the partners were rescored since this cursor was issued: start again from the first page',
      },
    ]);
  }
  const items: SearchItem[] = [];
  // Index pages one request reads at most: a page holds up to 100 entries, and some are skipped
  // (a partner found by id is not shown again by name), so a page of results may end early with a
  // cursor; no request reads more than this, whatever the search.
  let budget = 2 * Math.ceil(query.limit / SEARCH_PAGE_SIZE) + 2;
  const firstBucket = cursor ? cursor[2] : key === '' ? 0 : searchBucket(key);
  const lastBucket = key === '' ? SEARCH_BUCKETS - 1 : firstBucket;
  const next = (bucket: number, fence: string, offset: number) =>
    signFields(deps.signer, [current.runId, key, bucket, fence, offset]);
  for (let bucket = firstBucket; bucket <= lastBucket; bucket++) {
    const resume = cursor && bucket === cursor[2] ? { fence: cursor[3], offset: cursor[4] } : null;
    let first = true;
    for await (const page of deps.rankings.readSearchPages(current.runId, bucket, resume?.fence ?? key)) {
      const start = first && resume ? resume.offset : 0;
      first = false;
      for (let offset = start; offset < page.entries.length; offset++) {
        const entry = page.entries[offset];
        if (!entry) break;
        const entryAt = entryKey(entry);
        if (compareCodePoints(entryAt, key) < 0) continue; // before the prefix, on its first page
        if (!entryAt.startsWith(key)) return { items, nextCursor: null }; // past it: no more matches
        if (!entryMatches(entry, key)) continue;
        if (items.length === query.limit)
          return { items, nextCursor: await next(bucket, page.fence, offset) };
        items.push({ id: entry.id, name: entry.name, type: entry.type, region: entry.region });
      }
      if (--budget === 0) {
        // Resumes after this page (reading it once more to find where it ends).
        return { items, nextCursor: await next(bucket, page.fence, page.entries.length) };
      }
    }
  }
  return { items, nextCursor: null };
}
