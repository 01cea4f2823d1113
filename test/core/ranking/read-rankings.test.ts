import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import type { RankingEntry } from '#core/api/rankings.schema.ts';
import type { RankingPage } from '#core/ports.ts';
import { countValues, isListed, planFilterLists, unlistedSizes } from '#core/ranking/filter-lists.ts';
import { ListPager } from '#core/ranking/list-pager.ts';
import { HEAD_MAX_BYTES, PAGE_MAX_BYTES } from '#core/ranking/ranking-store.ts';
import {
  MAX_PAGES_PER_REQUEST,
  type ReadRankingsDeps,
  readRankings,
  readRankingsCsv,
} from '#core/ranking/read-rankings.ts';

const signer = new HmacCursorSigner(async () => 'property-test-secret-0123');

/**
 * Which region and type lists a fake run materialises: `all` of them, the `top` one value per
 * dimension (the others answered from the `all` list, as a run with more distinct values than
 * `MAX_LISTS_PER_DIMENSION` does), or `unwritten`: a run whose list sizes are not written yet.
 */
type ListsMode = 'all' | 'top' | 'unwritten';

/**
 * In-memory pages of one run (a fake of our own port: this tests the paging logic only), paged
 * with `maxBytes` per page, and the pointer's head as a run sets it.
 */
function fakeRun(
  entries: RankingEntry[],
  withHead: boolean,
  maxBytes: number,
  mode: ListsMode = 'all',
): ReadRankingsDeps {
  const pager = new ListPager(maxBytes);
  for (const entry of entries) pager.add(entry);
  const plan = planFilterLists(
    {
      region: countValues(entries.map((e) => e.region)),
      type: countValues(entries.map((e) => e.type)),
    },
    mode === 'top' ? 1 : Number.POSITIVE_INFINITY,
  );
  const pages = new Map<string, RankingPage[]>();
  for (const page of pager.takeRest()) {
    if (isListed(plan, page.list)) pages.set(page.list, [...(pages.get(page.list) ?? []), page]);
  }
  const sizes = Object.fromEntries(
    Object.entries(pager.listSizes()).filter(([list]) => isListed(plan, list)),
  );
  const head = withHead ? pager.head(HEAD_MAX_BYTES) : undefined;
  const current = {
    runId: 'r1',
    modelVersion: 3,
    scoredAt: '2026-11-24T02:00:00.000Z',
    ...(head ? { head } : {}),
  };
  return {
    signer,
    runs: {
      getCurrentAndChangedAt: async () => ({ current, changedAt: null }),
      getRun: async () => ({
        runId: 'r1',
        status: 'completed',
        reason: 'manual',
        startedAt: current.scoredAt,
        finishedAt: current.scoredAt,
        partners: entries.length,
        modelVersion: 3,
        tierChanges: 0,
        ...(mode === 'unwritten' ? {} : { lists: { ...sizes, ...unlistedSizes(plan) } }),
      }),
    },
    rankings: {
      getPages: async (_runId, list, fromPage, count) =>
        (pages.get(list) ?? []).filter((p) => p.page >= fromPage && p.page < fromPage + count),
    },
  };
}

const entriesArbitrary = fc
  .array(
    fc.record({
      tier: fc.constantFrom('Gold', 'Silver', null),
      // Common values, rare ones (a CRM's free text) and none.
      region: fc.constantFrom('EMEA', 'EMEA', 'APAC', 'APAC', 'LATAM', 'Sales territory 00777', null),
      type: fc.constantFrom('Reseller', 'Reseller', 'Distributor', null),
      coverage: fc.constantFrom(1, 0.6667, null),
      // Long multi-byte names make pages close by bytes, at varying lengths.
      longName: fc.nat(60),
    }),
    { maxLength: 430, size: 'max' },
  )
  .map((fields) =>
    fields.map(
      ({ longName, ...f }, k): RankingEntry => ({
        ...f,
        rank: k + 1,
        id: `p${k}`,
        name: `P${k}${'名'.repeat(longName)}`,
        score: -k,
        previousRank: k % 3 === 0 ? null : ((k * 7) % 50) + 1,
      }),
    ),
  );

type Filters = { tier?: string; region?: string; type?: string };

/** Single and combined filters, on common, rare (unlisted under `top`) and absent values. */
const filtersArbitrary: fc.Arbitrary<Filters> = fc.constantFrom(
  {},
  { tier: 'Gold' },
  { region: 'APAC' },
  { region: 'LATAM' },
  { region: 'Sales territory 00777' },
  { region: 'nowhere' },
  { type: 'Distributor' },
  { tier: 'Silver', region: 'EMEA' },
  { tier: 'Gold', region: 'Sales territory 00777' },
  { region: 'LATAM', type: 'Distributor' },
  { tier: 'Silver', region: 'APAC', type: 'Reseller' },
);

const matching = (entries: RankingEntry[], filters: Filters) =>
  entries.filter(
    (e) =>
      (filters.tier === undefined || e.tier === filters.tier) &&
      (filters.region === undefined || e.region === filters.region) &&
      (filters.type === undefined || e.type === filters.type),
  );

describe('readRankings paging', () => {
  it('returns every matching entry exactly once, in rank order with its global rank, for any sequence of limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArbitrary,
        fc.array(fc.constantFrom(1, 7, 50, 99, 100, 101, 200, 500), { minLength: 1, maxLength: 6 }),
        filtersArbitrary,
        fc.boolean(),
        fc.constantFrom(PAGE_MAX_BYTES, 2_000, 500),
        fc.constantFrom<ListsMode>('all', 'top', 'unwritten'),
        async (entries, limits, filters, withHead, maxBytes, mode) => {
          const deps = fakeRun(entries, withHead, maxBytes, mode);
          const expected = matching(entries, filters);
          let pagesRead = 0;
          const getPages = deps.rankings.getPages;
          deps.rankings.getPages = async (...args) => {
            const pages = await getPages(...args);
            pagesRead += pages.length;
            return pages;
          };
          const seen: RankingEntry[] = [];
          let cursor: string | undefined;
          for (let call = 0; ; call++) {
            const limit = limits[call % limits.length] as number;
            pagesRead = 0;
            const page = await readRankings(deps, { limit, ...filters, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            expect(pagesRead).toBeLessThanOrEqual(MAX_PAGES_PER_REQUEST);
            // Every page, the first (served from the pointer's head) included, holds only matches.
            expect(matching(page.items, filters)).toEqual(page.items);
            seen.push(...page.items);
            if (page.nextCursor === null) break;
            // A short page with a cursor only when the request used up its page budget.
            if (page.items.length < limit) expect(pagesRead).toBe(MAX_PAGES_PER_REQUEST);
            cursor = page.nextCursor;
          }
          // Filters keep each partner's global rank, and an item is the stored entry, field for field.
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('exports as CSV exactly the filtered entries, in parts of any row limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArbitrary,
        fc.constantFrom(undefined, 1, 7, 50, 150),
        filtersArbitrary,
        fc.boolean(),
        fc.constantFrom<ListsMode>('all', 'top', 'unwritten'),
        async (entries, limit, filters, withHead, mode) => {
          const deps = fakeRun(entries, withHead, 2_000, mode);
          let csv = '';
          let cursor: string | null = null;
          do {
            const part = await readRankingsCsv(deps, {
              ...filters,
              ...(limit === undefined ? {} : { limit }),
              ...(cursor ? { cursor } : {}),
            });
            if ('notModified' in part) throw new Error('unexpected 304');
            csv += part.csv;
            cursor = part.nextCursor;
          } while (cursor);
          const ids = csv
            .trimEnd()
            .split('\r\n')
            .slice(1)
            .map((row) => row.split(',')[1]);
          expect(ids).toEqual(matching(entries, filters).map((e) => e.id));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("answers a top page found in the pointer's head without reading a stored page, filtered or not", async () => {
    const entries = Array.from(
      { length: 250 },
      (_, k): RankingEntry => ({
        rank: k + 1,
        id: `p${k}`,
        name: `P${k}`,
        score: -k,
        tier: 'Gold',
        previousRank: null,
        region: k % 2 === 0 ? 'EMEA' : `Territory ${k}`,
        type: null,
        coverage: 1,
      }),
    );
    // List sizes not written yet: a filter reads the `all` list, whose page 0 is the head.
    const deps = fakeRun(entries, true, PAGE_MAX_BYTES, 'unwritten');
    deps.rankings.getPages = async () => {
      throw new Error('no stored page should be read');
    };
    const top = await readRankings(deps, { limit: 50 });
    expect(top.items.map((e) => e.rank)).toEqual(entries.slice(0, 50).map((e) => e.rank));
    const emea = await readRankings(deps, { limit: 20, region: 'EMEA' });
    expect(emea.items.map((e) => e.id)).toEqual(
      matching(entries, { region: 'EMEA' })
        .slice(0, 20)
        .map((e) => e.id),
    );
    expect(emea.nextCursor).not.toBeNull();
  });
});
