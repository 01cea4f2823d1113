import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LISTS_PER_DIMENSION } from '#core/ranking/filter-lists.ts';
import type { RankingStore } from '#core/ranking/ranking-store.ts';
import {
  MAX_PAGES_PER_REQUEST,
  type RankingItem,
  type RankingResponse,
} from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

/**
 * 20,500 partners: 20,000 with a free-text region of their own (a CRM field nobody cleans), 500 in
 * EMEA; a few of type `Distributor`, 212 with a free-text type of their own (the 98 smallest get a
 * list, besides `Reseller` and `Distributor`), the rest `Reseller`.
 */
const COUNT = 20_500;
const region = (i: number) =>
  i < 20_000 ? `Sales territory ${String(i).padStart(5, '0')} (free text)` : 'EMEA';
const type = (i: number) =>
  i % 4000 === 3999
    ? 'Distributor'
    : i % 97 === 5
      ? `Channel type ${String(i).padStart(5, '0')} (free text)`
      : 'Reseller';

let servers: LocalServers;
let h: Harness;
let runId: string;
let full: RankingItem[];
let regionOf: Map<string, string>;
let pagesRead: number[];

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  const partners = Array.from({ length: COUNT }, (_, i) => ({
    id: `p-${String(i).padStart(5, '0')}`,
    region: region(i),
    type: type(i),
    metrics: { sales: (i * 7919) % 10_007, transactions: type(i) === 'Distributor' ? 0 : i % 97 },
    asOf: '2026-01-01T00:00:00.000Z',
  }));
  regionOf = new Map(partners.map((p) => [p.id, p.region]));
  for (let start = 0; start < COUNT; start += 2000)
    await h.partners.upsert(partners.slice(start, start + 2000));
  runId = await h.runNow();
  // Count the stored pages each request reads.
  const rankings = h.rankings as RankingStore;
  const getPages = rankings.getPages.bind(rankings);
  pagesRead = [];
  rankings.getPages = async (...args) => {
    const pages = await getPages(...args);
    pagesRead[pagesRead.length - 1] = (pagesRead.at(-1) ?? 0) + pages.length;
    return pages;
  };
  full = await readAll({});
}, 600_000);
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

/** Every page of a query, `limit` 500 unless the query sets one; each page checked against `expected`. */
async function readAll(query: Record<string, string>, matches?: (item: RankingItem) => boolean) {
  const items: RankingItem[] = [];
  let cursor: string | null = null;
  do {
    pagesRead.push(0);
    const page: { status: number; body: RankingResponse } = await h.call<RankingResponse>('GET /rankings', {
      query: { limit: '500', ...query, ...(cursor ? { cursor } : {}) },
    });
    expect(page.status).toBe(200);
    expect(page.body.runId).toBe(runId);
    if (matches) expect(page.body.items.filter(matches)).toEqual(page.body.items);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

describe('filters on a run with 20,000 distinct regions', () => {
  it('completes the run with a bounded record: lists only for the most common values', async () => {
    const run = await h.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'completed', partners: COUNT });
    const regionLists = Object.keys(run?.lists ?? {}).filter((list) => list.startsWith('region:'));
    expect(regionLists.length).toBe(MAX_LISTS_PER_DIMENSION);
    expect(regionLists).toContain('region:EMEA');
    expect(full.map((item) => item.rank)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  });

  it('answers a filter on a value without a list from the all list, with global ranks, in bounded requests', async () => {
    for (const i of [777, 19_999]) {
      const items = await readAll({ region: region(i) });
      expect(items).toEqual(full.filter((item) => regionOf.get(item.id) === region(i)));
      expect(items).toHaveLength(1);
    }
    expect(await readAll({ region: 'EMEA' })).toEqual(
      full.filter((item) => regionOf.get(item.id) === 'EMEA'),
    );
    expect(await readAll({ region: 'nowhere', type: 'Reseller' })).toEqual([]);
    expect(Math.max(...pagesRead)).toBeLessThanOrEqual(MAX_PAGES_PER_REQUEST);
  });

  it('bounds the pages one request reads when combined filters match few partners, with a cursor to go on', async () => {
    // Of the two values only the type has a list (20,495 entries, 200+ pages): it is walked.
    pagesRead = [0];
    const query = { type: 'Reseller', region: region(777) };
    const first = await h.call<RankingResponse>('GET /rankings', { query: { limit: '50', ...query } });
    const expected = full.filter((item) => item.id === 'p-00777');
    expect(first.body.items.length).toBeLessThan(50);
    expect(first.body.nextCursor).not.toBeNull();
    const items = await readAll(query);
    expect(items).toEqual(expected);
    expect(Math.max(...pagesRead)).toBeLessThanOrEqual(MAX_PAGES_PER_REQUEST);
  });
});

describe("the first page of a filter on a value without a list (the pointer's head)", () => {
  const rare = region(777);
  const ofRegion = (value: string) => (item: RankingItem) => regionOf.get(item.id) === value;

  it('answers only matching partners with their global ranks, at any limit under a page, from page 0 on', async () => {
    const expected = full.filter(ofRegion(rare));
    for (const limit of ['1', '10', '50', '99']) {
      const first = await h.call<RankingResponse>('GET /rankings', { query: { limit, region: rare } });
      expect(first.status).toBe(200);
      expect(first.body.items.filter(ofRegion(rare))).toEqual(first.body.items);
      // Following the cursor from page 0 ends with exactly the matches.
      const items = [...first.body.items];
      if (first.body.nextCursor)
        items.push(
          ...(await readAll({ limit, region: rare, cursor: first.body.nextCursor }, ofRegion(rare))),
        );
      expect(items).toEqual(expected);
    }
  });

  it('combines a tier, a rare region and a type, every page holding only matches', async () => {
    const target = full.find((item) => item.id === 'p-00777');
    const tier = target?.tier as string;
    const matches = (item: RankingItem) =>
      item.tier === tier && regionOf.get(item.id) === rare && type(Number(item.id.slice(2))) === 'Reseller';
    expect(await readAll({ limit: '20', tier, region: rare }, matches)).toEqual([target]);
    expect(await readAll({ limit: '20', tier, region: rare, type: 'Reseller' }, matches)).toEqual([target]);
    const otherTier = full.find((item) => item.tier !== tier)?.tier as string;
    expect(await readAll({ limit: '20', tier: otherTier, region: rare })).toEqual([]);
    // A rare region and a rare type, neither with a list: the all list, its head first.
    const both = full.find((item) => item.id === 'p-19987');
    expect(type(19_987)).toMatch(/free text/);
    for (const limit of ['1', '20', '99'])
      expect(
        await readAll({ limit, region: region(19_987), type: type(19_987) }, (item) => item.id === 'p-19987'),
      ).toEqual([both]);
    // A rare region and a rare type, both without matches.
    expect(await readAll({ limit: '5', region: region(778), type: 'Distributor' })).toEqual([]);
  });

  it('exports the same filters as CSV with only the matching rows', async () => {
    const queries: { region: string; type?: string; limit?: string }[] = [
      { region: rare },
      { region: rare, type: 'Reseller' },
      { region: 'EMEA', limit: '40' },
      // A part smaller than a page: the pointer's head is its first page.
      { region: rare, limit: '10' },
      { region: region(19_987), type: type(19_987), limit: '10' },
    ];
    for (const query of queries) {
      const expected = full.filter(
        (item) =>
          regionOf.get(item.id) === query.region &&
          (query.type === undefined || type(Number(item.id.slice(2))) === query.type),
      );
      let csv = '';
      let cursor: string | undefined;
      do {
        const part: { status: number; headers: Record<string, string>; body: string } = await h.call(
          'GET /rankings',
          { query: { ...query, ...(cursor ? { cursor } : {}) }, headers: { accept: 'text/csv' } },
        );
        expect(part.status).toBe(200);
        csv += part.body;
        const next = part.headers.link ? /[?&]cursor=([^&>]+)/.exec(part.headers.link)?.[1] : undefined;
        cursor = next === undefined ? undefined : decodeURIComponent(next);
      } while (cursor);
      const rows = csv.trimEnd().split('\r\n').slice(1);
      expect(rows.map((row) => row.split(',').slice(0, 2).join(','))).toEqual(
        expected.map((item) => `${item.rank},${item.id}`),
      );
    }
  });
});
