import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { ListPager } from '#core/ranking/list-pager.ts';
import {
  HEAD_MAX_BYTES,
  PAGE_MAX_BYTES,
  type RankingEntry,
  type RankingPage,
} from '#core/ranking/ranking-store.ts';
import { MAX_PAGES_PER_REQUEST, type ReadRankingsDeps, readRankings } from '#core/ranking/read-rankings.ts';

const signer = new HmacCursorSigner(async () => 'property-test-secret-0123');

/**
 * In-memory pages of one run (a fake of our own port: this tests the paging logic only), paged
 * with `maxBytes` per page, and the pointer's head as a run sets it.
 */
function fakeRun(entries: RankingEntry[], withHead: boolean, maxBytes: number): ReadRankingsDeps {
  const pager = new ListPager(maxBytes);
  for (const entry of entries) pager.add(entry);
  const pages = new Map<string, RankingPage[]>();
  for (const page of pager.takeRest()) pages.set(page.list, [...(pages.get(page.list) ?? []), page]);
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
        lists: pager.listSizes(),
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
      region: fc.constantFrom('EMEA', 'APAC', null),
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
        type: null,
      }),
    ),
  );

describe('readRankings paging', () => {
  it('returns every matching entry exactly once, in rank order with its global rank, for any sequence of limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArbitrary,
        fc.array(fc.constantFrom(1, 7, 50, 99, 100, 101, 200, 500), { minLength: 1, maxLength: 6 }),
        fc.constantFrom({}, { tier: 'Gold' }, { region: 'APAC' }, { tier: 'Silver', region: 'EMEA' }),
        fc.boolean(),
        fc.constantFrom(PAGE_MAX_BYTES, 2_000, 500),
        async (entries, limits, filters, withHead, maxBytes) => {
          const deps = fakeRun(entries, withHead, maxBytes);
          const expected = entries.filter(
            (e) =>
              (!('tier' in filters) || e.tier === filters.tier) &&
              (!('region' in filters) || e.region === filters.region),
          );
          let pagesRead = 0;
          const getPages = deps.rankings.getPages;
          deps.rankings.getPages = async (...args) => {
            const pages = await getPages(...args);
            pagesRead += pages.length;
            return pages;
          };
          const seen: unknown[] = [];
          let cursor: string | undefined;
          for (let call = 0; ; call++) {
            const limit = limits[call % limits.length] as number;
            pagesRead = 0;
            const page = await readRankings(deps, { limit, ...filters, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            expect(pagesRead).toBeLessThanOrEqual(MAX_PAGES_PER_REQUEST);
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
      { numRuns: 150 },
    );
  });
});
