import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { type CursorSigner, openFields, signFields } from '../ranking/cursor.ts';
import type { RankingStore } from '../ranking/ranking-store.ts';
import type { RunStore } from '../runs/run-store.ts';
import {
  compareCodePoints,
  entryKey,
  entryMatches,
  SEARCH_BUCKETS,
  type SearchItem,
  searchBucket,
  searchKey,
} from './search-index.ts';

export interface SearchQuery {
  /** Id or name prefix, any case; empty lists every partner. */
  search: string;
  limit: number;
  cursor?: string;
}

export interface SearchResponse {
  items: SearchItem[];
  nextCursor: string | null;
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
 * results reads one or two index pages, whatever the partner count. An empty search lists every
 * partner, bucket after bucket. The index is the current run's, like `/rankings`: a
 * partner created or renamed since is found after the next run.
 */
export async function searchPartners(deps: SearchPartnersDeps, query: SearchQuery): Promise<SearchResponse> {
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
  const firstBucket = cursor ? cursor[2] : key === '' ? 0 : searchBucket(key);
  const lastBucket = key === '' ? SEARCH_BUCKETS - 1 : firstBucket;
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
        if (items.length === query.limit) {
          const next = [current.runId, key, bucket, page.fence, offset];
          return { items, nextCursor: await signFields(deps.signer, next) };
        }
        items.push({ id: entry.id, name: entry.name, type: entry.type, region: entry.region });
      }
    }
  }
  return { items, nextCursor: null };
}
