import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RankingEntry } from '#core/api/rankings.schema.ts';
import type { ListPage } from '#core/ports.ts';
import { ListPager } from '#core/ranking/list-pager.ts';
import { encodeEntries, PAGE_MAX_BYTES, PAGE_SIZE } from '#core/ranking/ranking-store.ts';

const entryFields = fc.record({
  tier: fc.constantFrom('Gold', 'Silver', null),
  region: fc.constantFrom('EMEA', 'APAC', null),
  type: fc.constantFrom('msp', null),
  coverage: fc.constantFrom(1, 0.8571, 0, null),
});

const bytesOf = (entries: readonly RankingEntry[]) => Buffer.byteLength(encodeEntries(entries));

/** Feeds `entries` in rank order, taking closed pages every `flushEvery` entries, then the rest. */
function paginate(pager: ListPager, entries: readonly RankingEntry[], flushEvery: number): ListPage[] {
  const pages: ListPage[] = [];
  entries.forEach((entry, k) => {
    pager.add(entry);
    if (k % flushEvery === 0) pages.push(...pager.takeFull());
  });
  pages.push(...pager.takeRest());
  return pages;
}

/**
 * Each list holds its entries once, in rank order, in pages numbered 0, 1, …; a page is closed only
 * when it holds PAGE_SIZE entries or the list's next entry would take it past `maxBytes`, and is
 * never over `maxBytes` unless it holds a single entry.
 */
function expectPaged(pages: ListPage[], entries: RankingEntry[], pager: ListPager, maxBytes: number) {
  const byList = new Map<string, ListPage[]>();
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
    listPages.forEach((page, k) => {
      expect(page.entries.length).toBeGreaterThan(0);
      expect(page.entries.length).toBeLessThanOrEqual(PAGE_SIZE);
      if (page.entries.length > 1) expect(bytesOf(page.entries)).toBeLessThanOrEqual(maxBytes);
      const next = listPages[k + 1];
      if (next && page.entries.length < PAGE_SIZE) {
        expect(bytesOf([...page.entries, next.entries[0] as RankingEntry])).toBeGreaterThan(maxBytes);
      }
    });
    expect(listPages.flatMap((p) => p.entries)).toEqual(entries.filter(keep));
    expect(pager.listSizes()[list] ?? 0).toBe(entries.filter(keep).length);
  }
  expect(byList.has('tier:null')).toBe(false);
}

describe('ListPager', () => {
  it('puts each entry once in `all` and in each list of its fields, in rank order, in full pages', () => {
    fc.assert(
      fc.property(
        fc.array(entryFields, { maxLength: 450 }),
        fc.integer({ min: 1, max: 7 }),
        (fields, flushEvery) => {
          const pager = new ListPager();
          const entries: RankingEntry[] = fields.map((f, k) => ({
            ...f,
            rank: k + 1,
            id: `p${k}`,
            name: `P ${k}`,
            score: 1000 - k,
            previousRank: null,
          }));
          const pages = paginate(pager, entries, flushEvery);
          expectPaged(pages, entries, pager, PAGE_MAX_BYTES);
          // Short names: only the last page of a list is short.
          for (const page of pages) {
            const last = Math.max(...pages.filter((p) => p.list === page.list).map((p) => p.page));
            if (page.page < last) expect(page.entries).toHaveLength(PAGE_SIZE);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('closes pages by UTF-8 bytes when names are long and multi-byte, never by characters', () => {
    const name = fc.string({
      unit: fc.constantFrom('a', 'é', '名', '😀', '"', '\u0001'),
      maxLength: 300,
      size: 'max',
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(entryFields, name), { maxLength: 150, size: 'max' }),
        fc.integer({ min: 600, max: 20_000 }),
        fc.integer({ min: 1, max: 7 }),
        (rows, maxBytes, flushEvery) => {
          const pager = new ListPager(maxBytes);
          const entries: RankingEntry[] = rows.map(([f, text], k) => ({
            ...f,
            rank: k + 1,
            id: `p${k}`,
            name: text,
            score: 1000 - k,
            previousRank: k % 3 === 0 ? null : k,
          }));
          expectPaged(paginate(pager, entries, flushEvery), entries, pager, maxBytes);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('gives the pointer the top page only when it is complete and small enough', () => {
    const entry = (k: number, name = `P ${k}`): RankingEntry => ({
      rank: k + 1,
      id: `p${k}`,
      name,
      score: 1000 - k,
      tier: null,
      previousRank: null,
      region: null,
      type: null,
      coverage: 1,
    });
    const fed = (entries: RankingEntry[], maxBytes?: number) => {
      const pager = new ListPager(maxBytes);
      for (const e of entries) pager.add(e);
      pager.takeRest();
      return pager;
    };
    const many = Array.from({ length: 250 }, (_, k) => entry(k));
    expect(fed(many).head(64 * 1024)).toEqual(many.slice(0, PAGE_SIZE));
    expect(fed(many.slice(0, 30)).head(64 * 1024)).toEqual(many.slice(0, 30));
    expect(fed([]).head(64 * 1024)).toEqual([]);
    // Too large for the pointer.
    const long = Array.from({ length: 120 }, (_, k) => entry(k, '名'.repeat(300)));
    expect(fed(long).head(64 * 1024)).toBeUndefined();
    // Page 0 closed early by its byte budget: it is not the whole ranking, so no head.
    const small = fed(long, 10_000);
    expect(small.head(1_000_000)).toBeUndefined();
  });
});
