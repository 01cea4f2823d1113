import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntries, lists, PAGE_MAX_BYTES, type RankingPage } from '#core/ranking/ranking-store.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

/**
 * Partners whose name is 1,000 CJK characters (3,000 UTF-8 bytes, what a CSV row allows) and whose
 * region and type are 256 (the longest a filter can name): 100 ranking entries would be ~0.45 MB,
 * over DynamoDB's 400 KB item limit. Pages close by bytes instead, and reads follow pages of any
 * length.
 */
const PARTNERS = 300;
const cjk = (seed: number, length: number) =>
  Array.from({ length }, (_, k) => String.fromCodePoint(0x4e00 + ((seed * 7919 + k) % 20_000))).join('');
const REGIONS = [cjk(1, 256), cjk(2, 256)];
const TYPES = [cjk(3, 256), cjk(4, 256), cjk(5, 256)];

let servers: LocalServers;
let h: Harness;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  // Straight into the store: the HTTP API caps these fields at 256 characters, CSV rows at 1,000.
  const asOf = new Date().toISOString();
  const partners = Array.from({ length: PARTNERS }, (_, i) => ({
    id: `long-${String(i).padStart(3, '0')}`,
    name: cjk(100 + i, 1000),
    region: REGIONS[i % REGIONS.length] as string,
    type: TYPES[i % TYPES.length] as string,
    metrics: { sales: (i * 37) % 101, transactions: i % 7 },
    asOf,
  }));
  for (let start = 0; start < PARTNERS; start += 100)
    await h.partners.upsert(partners.slice(start, start + 100));
  await h.runNow();
}, 60_000);
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

async function readAll(query: Record<string, string>, limits: number[]): Promise<RankingResponse['items']> {
  const items: RankingResponse['items'] = [];
  let cursor: string | null = null;
  for (let call = 0; ; call++) {
    const limit = String(limits[call % limits.length]);
    const response: { status: number; body: RankingResponse } = await h.call<RankingResponse>(
      'GET /rankings',
      {
        query: { ...query, limit, ...(cursor ? { cursor } : {}) },
      },
    );
    expect(response.status).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
    if (cursor === null) return items;
  }
}

describe('a ranking of partners with 1,000-character multi-byte names', () => {
  it('completes the run', async () => {
    const latest = await h.call<{ status: string; partners: number }>('GET /runs/latest');
    expect(latest.body).toMatchObject({ status: 'completed', partners: PARTNERS });
  });

  it('stores no page over the byte budget (so no item nears 400 KB), closing pages early', async () => {
    const { runId } = (await h.call<{ runId: string }>('GET /runs/latest')).body;
    const run = await h.runs.getRun(runId);
    const names = Object.keys(run?.lists ?? {});
    expect(names).toEqual(expect.arrayContaining([lists.all, lists.region(REGIONS[0] as string)]));
    for (const list of names) {
      const pages: RankingPage[] = [];
      for await (const page of h.rankings.readList(runId, list)) pages.push(page);
      expect(pages.map((p) => p.page)).toEqual(pages.map((_, k) => k));
      expect(pages.reduce((n, p) => n + p.entries.length, 0)).toBe(run?.lists?.[list]);
      for (const page of pages) {
        expect(Buffer.byteLength(encodeEntries(page.entries))).toBeLessThanOrEqual(PAGE_MAX_BYTES);
      }
      if (list === lists.all) expect(pages[0]?.entries.length).toBeLessThan(100);
    }
  });

  it('pages through every partner exactly once, in rank order, whatever the limits', async () => {
    for (const limits of [[500], [37, 1, 100], [50]]) {
      const items = await readAll({}, limits);
      expect(items.map((item) => item.rank)).toEqual(Array.from({ length: PARTNERS }, (_, k) => k + 1));
      expect(new Set(items.map((item) => item.id)).size).toBe(PARTNERS);
    }
  });

  it('pages through filtered lists with global ranks, each partner once', async () => {
    const region = REGIONS[1] as string;
    const type = TYPES[0] as string;
    const byRegion = await readAll({ region }, [41, 500]);
    expect(byRegion).toHaveLength(PARTNERS / 2);
    const both = await readAll({ region, type }, [7]);
    expect(both).toHaveLength(PARTNERS / 6);
    const all = await readAll({}, [500]);
    const expected = all.filter((_, k) => Number(all[k]?.id.slice(5)) % 2 === 1);
    expect(byRegion.map((item) => item.id)).toEqual(expected.map((item) => item.id));
    expect(byRegion.map((item) => item.rank)).toEqual(expected.map((item) => item.rank));
  });
});
