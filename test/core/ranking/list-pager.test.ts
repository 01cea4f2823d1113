import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListPager } from '#core/ranking/list-pager.ts';
import { PAGE_SIZE, type RankingEntry } from '#core/ranking/ranking-store.ts';

const entryFields = fc.record({
  tier: fc.constantFrom('Gold', 'Silver', null),
  region: fc.constantFrom('EMEA', 'APAC', null),
  type: fc.constantFrom('msp', null),
});

describe('ListPager', () => {
  it('puts each entry once in `all` and in each list of its fields, in rank order, in full pages', () => {
    fc.assert(
      fc.property(
        fc.array(entryFields, { maxLength: 450 }),
        fc.integer({ min: 1, max: 7 }),
        (fields, flushEvery) => {
          const pager = new ListPager();
          const pages = [];
          const entries: RankingEntry[] = fields.map((f, k) => ({
            ...f,
            rank: k + 1,
            id: `p${k}`,
            name: `P ${k}`,
            score: 1000 - k,
            previousRank: null,
          }));
          entries.forEach((entry, k) => {
            pager.add(entry);
            if (k % flushEvery === 0) pages.push(...pager.takeFull());
          });
          pages.push(...pager.takeRest());

          const byList = new Map<string, typeof pages>();
          for (const page of pages) byList.set(page.list, [...(byList.get(page.list) ?? []), page]);
          const expectLists: [string, (e: RankingEntry) => boolean][] = [
            ['all', () => true],
            ['tier:Gold', (e) => e.tier === 'Gold'],
            ['region:APAC', (e) => e.region === 'APAC'],
            ['type:msp', (e) => e.type === 'msp'],
          ];
          for (const [list, keep] of expectLists) {
            const listPages = (byList.get(list) ?? []).sort((a, b) => a.page - b.page);
            expect(listPages.map((p) => p.page)).toEqual(listPages.map((_, k) => k));
            for (const page of listPages.slice(0, -1)) expect(page.entries).toHaveLength(PAGE_SIZE);
            expect(listPages.flatMap((p) => p.entries)).toEqual(entries.filter(keep));
            expect(pager.listSizes()[list] ?? 0).toBe(entries.filter(keep).length);
          }
          expect(byList.has('tier:null')).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });
});
