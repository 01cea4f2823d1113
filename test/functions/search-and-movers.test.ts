import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { searchPartners } from '#core/partners/search-partners.ts';
import type { RankingStore } from '#core/ranking/ranking-store.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

type Item = { id: string; name: string; type: string | null; region: string | null };
type Page = { items: Item[]; nextCursor: string | null };
type Problem = { errors: { path: string; message: string }[] };
type Ranked = { id: string; rank: number; name: string; score: number; tier: string | null };

let servers: LocalServers;
let h: Harness;
const NAMES = ['Acme Corp', 'acme labs', 'ACMEcorp', 'Beta Systems', 'Ácme Accents', 'Zeta 😀', 'Omega'];
const partners = Array.from({ length: 700 }, (_, i) => ({
  id: i % 3 === 0 ? `acme-${i}` : `P${String(i).padStart(4, '0')}`,
  name: `${NAMES[i % NAMES.length]} ${i}`,
  region: i % 2 === 0 ? 'EMEA' : 'AMER',
  type: 'reseller',
  metrics: { sales: i, transactions: (i * 37) % 101 },
}));

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

/** Every page of a search, following nextCursor. */
async function searchAll(search: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { search, limit: String(limit), ...(cursor ? { cursor } : {}) };
    const page: { status: number; body: Page } = await h.call<Page>('GET /partners', { query });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

const expected = (search: string) =>
  partners
    .filter(
      (p) =>
        p.id.toLowerCase().startsWith(search.toLowerCase()) ||
        p.name.toLowerCase().startsWith(search.toLowerCase()),
    )
    .map((p) => p.id)
    .sort();

/** The whole current ranking by id, through GET /rankings pages. */
async function ranking(): Promise<Map<string, Ranked>> {
  const byId = new Map<string, Ranked>();
  let cursor: string | null = null;
  do {
    const page: { body: { items: Ranked[]; nextCursor: string | null } } = await h.call('GET /rankings', {
      query: { limit: '500', ...(cursor ? { cursor } : {}) },
    });
    for (const item of page.body.items) byId.set(item.id, item);
    cursor = page.body.nextCursor;
  } while (cursor);
  return byId;
}

describe('GET /partners?search=', () => {
  it('is empty before the first run', async () => {
    await h.upsert(partners);
    expect((await h.call<Page>('GET /partners', { query: { search: 'acme' } })).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('finds partners by id or name prefix, any case, each once, through every page', async () => {
    await h.runNow();
    for (const [search, limit] of [
      ['acme', 7],
      ['ACME', 50],
      ['acme corp', 3],
      ['p01', 4],
      ['ácme', 10],
      ['zeta 😀', 500],
      ['nobody', 5],
      ['', 97],
    ] as const) {
      const found = await searchAll(search, limit);
      const all = partners.map((p) => p.id).sort();
      expect(found.map((item) => item.id).sort(), search).toEqual(search === '' ? all : expected(search));
      expect(new Set(found.map((item) => item.id)).size).toBe(found.length);
    }
    const [first] = (await h.call<Page>('GET /partners', { query: { search: 'P0001' } })).body.items;
    expect(first).toEqual({ id: 'P0001', name: 'acme labs 1', type: 'reseller', region: 'AMER' });
  });

  it('reads a bounded number of index pages per request, even where most entries are skipped', async () => {
    let pagesRead = 0;
    const rankings: Pick<RankingStore, 'readSearchPages'> = {
      async *readSearchPages(runId, bucket, from) {
        for await (const page of h.rankings.readSearchPages(runId, bucket, from)) {
          pagesRead++;
          yield page;
        }
      },
    };
    const deps = {
      runs: h.runs,
      rankings,
      signer: new HmacCursorSigner(async () => 'test-cursor-secret-0123456789'),
    };
    // Every partner, 5 at a time: buckets holding only name entries (shown under the id) are skipped
    // a few pages per request, never all at once.
    const seen: string[] = [];
    let cursor: string | null = null;
    let requests = 0;
    do {
      pagesRead = 0;
      const page = await searchPartners(deps, { search: '', limit: 5, ...(cursor ? { cursor } : {}) });
      expect(pagesRead).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      requests++;
    } while (cursor);
    expect(seen.sort()).toEqual(partners.map((p) => p.id).sort());
    expect(requests).toBeGreaterThan(700 / 5);
  });

  it('binds the cursor to its search and its run; a bad parameter is a 400 at its path', async () => {
    const page = await h.call<Page>('GET /partners', { query: { search: 'acme', limit: '2' } });
    const cursor = page.body.nextCursor as string;
    const other = await h.call<Problem>('GET /partners', { query: { search: 'beta', cursor } });
    expect(other.status).toBe(400);
    expect(other.body.errors[0]?.path).toBe('/query/cursor');
    const tampered = await h.call<Problem>('GET /partners', {
      query: { search: 'acme', cursor: `${cursor.slice(0, -2)}xx` },
    });
    expect(tampered.status).toBe(400);
    const badQueries: Record<string, string>[] = [
      { limit: '0' },
      { limit: '501' },
      { search: 'x'.repeat(65) },
      { search: 'a\u0001' },
    ];
    for (const query of badQueries) {
      const bad = await h.call<Problem>('GET /partners', { query });
      expect(bad.status, JSON.stringify(query)).toBe(400);
      expect(bad.body.errors[0]?.path).toBe(`/query/${Object.keys(query)[0]}`);
    }
    await h.runNow();
    const stale = await h.call<Problem>('GET /partners', { query: { search: 'acme', cursor } });
    expect(stale.status).toBe(400);
    expect(stale.body.errors[0]?.message).toMatch(/start again/);
  });
});

describe('GET /runs/{runId}/movers', () => {
  it('lists who moved between a run and the one before, largest move first, with before and after', async () => {
    const rankBefore = await ranking();
    // Turn the order round for a few partners.
    await h.upsert([
      { id: 'P0001', metrics: { sales: 10_000 } },
      { id: 'acme-699', metrics: { sales: 0, transactions: 0 } },
    ]);
    const runId = await h.runNow();
    const rankAfter = await ranking();
    const response = await h.call<{ items: Record<string, unknown>[] }>('GET /runs/{runId}/movers', {
      pathParameters: { runId },
      query: { limit: '2000' },
    });
    expect(response.status).toBe(200);
    const movers = response.body.items;
    const moved = [...rankAfter.keys()].filter((id) => {
      const a = rankAfter.get(id);
      const b = rankBefore.get(id);
      return a && b && (a.rank !== b.rank || a.tier !== b.tier);
    });
    expect(moved.length).toBeGreaterThan(2);
    expect(movers.map((m) => m.id).sort()).toEqual(moved.sort());
    const moves = movers.map((m) => Math.abs((m.rank as number) - (m.previousRank as number)));
    expect(moves).toEqual([...moves].sort((a, b) => b - a));
    const after = rankAfter.get('P0001');
    const before = rankBefore.get('P0001');
    expect(movers.find((m) => m.id === 'P0001')).toEqual({
      id: 'P0001',
      name: after?.name,
      rank: 1,
      previousRank: before?.rank,
      score: after?.score,
      previousScore: before?.score,
      tier: after?.tier,
      previousTier: before?.tier,
    });
    const limited = await h.call<{ items: unknown[] }>('GET /runs/{runId}/movers', {
      pathParameters: { runId },
      query: { limit: '3' },
    });
    expect(limited.body.items).toEqual(movers.slice(0, 3));
  });

  it('answers 404 for an unknown run, 409 for a running one, 400 for a bad limit', async () => {
    const unknown = await h.call('GET /runs/{runId}/movers', { pathParameters: { runId: 'run-nope' } });
    expect(unknown.status).toBe(404);
    const running = await h.call<{ runId: string }>('POST /rescore');
    const conflict = await h.call('GET /runs/{runId}/movers', {
      pathParameters: { runId: running.body.runId },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.headers['content-type']).toBe('application/problem+json');
    await h.drain();
    const bad = await h.call<Problem>('GET /runs/{runId}/movers', {
      pathParameters: { runId: running.body.runId },
      query: { limit: '2001' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.path).toBe('/query/limit');
  });
});
