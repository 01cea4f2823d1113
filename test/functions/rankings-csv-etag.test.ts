import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { readRankingsCsv } from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

type Ranked = {
  rank: number;
  id: string;
  name: string;
  score: number;
  tier: string | null;
  previousRank: number | null;
};

let servers: LocalServers;
let h: Harness;
const HOSTILE = [
  '=HYPERLINK("http://x")',
  '+1 reseller',
  '-5 deals',
  '@SUM(A1)',
  'Comma, "Quoted" Inc',
  '\tTabbed',
];
const partners = Array.from({ length: 260 }, (_, i) => ({
  id: i < HOSTILE.length ? `=cmd|${i}` : `c-${String(i).padStart(3, '0')}`,
  name: HOSTILE[i] ?? `Partner ${i}`,
  region: i % 3 === 0 ? 'EMEA' : 'AMER',
  type: i % 4 === 0 ? '-reseller' : 'agency',
  metrics: { sales: (i * 7919) % 1000, transactions: i },
}));

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  await h.upsert(partners);
  await h.runNow();
  await h.runNow(); // a second run, so previousRank is set
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

/** The ranking through JSON pages, with region and type from the partners. */
async function jsonRanking(query: Record<string, string> = {}): Promise<Ranked[]> {
  const items: Ranked[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Ranked[]; nextCursor: string | null } } = await h.call('GET /rankings', {
      query: { ...query, limit: '500', ...(cursor ? { cursor } : {}) },
    });
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** A CSV cell as the export writes it: formula starters get a `'`, then RFC 4180 quoting. */
function cell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function expectedCsv(items: Ranked[]): string {
  const byId = new Map(partners.map((p) => [p.id, p]));
  const rows = items.map((r) =>
    [
      r.rank,
      cell(r.id),
      cell(r.name),
      r.score,
      cell(r.tier),
      r.previousRank ?? '',
      cell(byId.get(r.id)?.region ?? null),
      cell(byId.get(r.id)?.type ?? null),
    ].join(','),
  );
  return `${['rank,id,name,score,tier,previousRank,region,type', ...rows].join('\r\n')}\r\n`;
}

describe('GET /rankings as CSV', () => {
  it('returns the whole filtered ranking in one answer when it fits, cells neutralised', async () => {
    const csv = await h.call<string>('GET /rankings', { query: { format: 'csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers.link).toBeUndefined();
    expect(csv.body).toBe(expectedCsv(await jsonRanking()));
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv.body).toContain(",'-reseller");

    const accept = await h.call<string>('GET /rankings', { headers: { accept: 'text/csv' } });
    expect(accept.body).toBe(csv.body);
    const json = await h.call('GET /rankings', {
      headers: { accept: 'text/csv' },
      query: { format: 'json' },
    });
    expect(json.headers['content-type']).toBe('application/json');

    const filtered = await h.call<string>('GET /rankings', {
      query: { format: 'csv', region: 'EMEA', type: 'agency' },
    });
    expect(filtered.body).toBe(expectedCsv(await jsonRanking({ region: 'EMEA', type: 'agency' })));
  });

  it('splits into parts linked by Link rel="next" that concatenate to the whole file', async () => {
    const whole = (await h.call<string>('GET /rankings', { query: { format: 'csv', tier: 'Bronze' } })).body;
    let query: Record<string, string> | null = { format: 'csv', tier: 'Bronze', limit: '40' };
    let joined = '';
    let parts = 0;
    while (query) {
      const part: { headers: Record<string, string>; body: string } = await h.call('GET /rankings', {
        query,
      });
      joined += part.body;
      parts++;
      const link = part.headers.link;
      if (!link) break;
      const match = /^<([^>]+)>; rel="next"$/.exec(link);
      expect(match).not.toBeNull();
      const url = new URL(match?.[1] ?? '', 'https://api.example.com');
      expect(url.pathname).toBe('/rankings');
      query = Object.fromEntries(url.searchParams);
    }
    expect(parts).toBeGreaterThan(2);
    expect(joined).toBe(whole);
  });

  it('cuts a part at its byte budget and continues where it stopped', async () => {
    const deps = {
      runs: h.runs,
      rankings: h.rankings,
      signer: new HmacCursorSigner(async () => 'test-cursor-secret-0123456789'),
    };
    const whole = await readRankingsCsv(deps, {});
    if ('notModified' in whole) throw new Error('unexpected 304');
    let joined = '';
    let cursor: string | null = null;
    let parts = 0;
    do {
      const part = await readRankingsCsv(deps, cursor ? { cursor } : {}, 2_000);
      if ('notModified' in part) throw new Error('unexpected 304');
      expect(Buffer.byteLength(part.csv)).toBeLessThanOrEqual(2_000);
      joined += part.csv;
      cursor = part.nextCursor;
      parts++;
    } while (cursor);
    expect(parts).toBeGreaterThan(5);
    expect(joined).toBe(whole.csv);
  });

  it('rejects an unknown format with 400 at /query/format', async () => {
    const bad = await h.call<{ errors: { path: string }[] }>('GET /rankings', { query: { format: 'xlsx' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.path).toBe('/query/format');
  });
});

describe('ETag and If-None-Match', () => {
  it('answers 304 for an unchanged ranking page, and a new tag once it turns stale or is recomputed', async () => {
    const first = await h.call('GET /rankings', { query: { limit: '10' } });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await h.call('GET /rankings', {
      query: { limit: '10' },
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.etag).toBe(etag);
    expect(
      (
        await h.call('GET /rankings', {
          query: { limit: '10' },
          headers: { 'if-none-match': `W/${etag}, "x"` },
        })
      ).status,
    ).toBe(304);
    // Another query, another format: another tag.
    expect((await h.call('GET /rankings', { query: { limit: '11' } })).headers.etag).not.toBe(etag);
    const csv = await h.call('GET /rankings', {
      query: { limit: '10', format: 'csv' },
      headers: { 'if-none-match': etag },
    });
    expect(csv.status).toBe(200);

    await h.upsert([{ id: 'c-100', metrics: { sales: 5 } }]);
    const stale = await h.call<{ stale: boolean }>('GET /rankings', {
      query: { limit: '10' },
      headers: { 'if-none-match': etag },
    });
    expect(stale.status).toBe(200);
    expect(stale.body.stale).toBe(true);
    await h.runNow();
    const rescored = await h.call('GET /rankings', {
      query: { limit: '10' },
      headers: { 'if-none-match': stale.headers.etag as string },
    });
    expect(rescored.status).toBe(200);
  });

  it('gives every page and every filtered view a tag of its own', async () => {
    type Page = { items: Ranked[]; nextCursor: string | null };
    const first = await h.call<Page>('GET /rankings', { query: { limit: '10' } });
    const firstTag = first.headers.etag as string;
    const cursor = first.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    // Page 1's tag sent on page 2: page 2 is another answer, so a 200 with its items.
    const second = await h.call<Page>('GET /rankings', {
      query: { limit: '10', cursor },
      headers: { 'if-none-match': firstTag },
    });
    expect(second.status).toBe(200);
    expect(second.body.items[0]?.rank).toBe(11);
    const secondTag = second.headers.etag as string;
    expect(secondTag).not.toBe(firstTag);
    // Page 2's own tag revalidates page 2.
    const again = await h.call('GET /rankings', {
      query: { limit: '10', cursor },
      headers: { 'if-none-match': secondTag },
    });
    expect(again.status).toBe(304);

    // A filtered view: its own tag, and the unfiltered view's tag does not revalidate it.
    const tags = new Set([firstTag, secondTag]);
    const views: Record<string, string>[] = [
      { region: 'EMEA' },
      { region: 'AMER' },
      { type: 'agency' },
      { tier: 'Bronze' },
    ];
    for (const filters of views) {
      const view = await h.call<Page>('GET /rankings', {
        query: { limit: '10', ...filters },
        headers: { 'if-none-match': firstTag },
      });
      expect(view.status).toBe(200);
      expect(view.body.items.length).toBeGreaterThan(0);
      tags.add(view.headers.etag as string);
      const csvView = await h.call('GET /rankings', {
        query: { format: 'csv', ...filters },
        headers: {
          'if-none-match': (await h.call('GET /rankings', { query: { format: 'csv' } })).headers
            .etag as string,
        },
      });
      expect(csvView.status).toBe(200);
      tags.add(csvView.headers.etag as string);
    }
    expect(tags.size).toBe(10);
  });

  it('answers 304 for an unchanged partner, and 200 once the partner changes', async () => {
    const first = await h.call('GET /partners/{id}', { pathParameters: { id: 'c-050' } });
    const etag = first.headers.etag as string;
    const again = await h.call('GET /partners/{id}', {
      pathParameters: { id: 'c-050' },
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    await h.upsert([{ id: 'c-050', metrics: { transactions: 999 } }]);
    const changed = await h.call('GET /partners/{id}', {
      pathParameters: { id: 'c-050' },
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    // An unknown partner is still a 404, whatever the client sends.
    expect(
      (
        await h.call('GET /partners/{id}', {
          pathParameters: { id: 'nobody' },
          headers: { 'if-none-match': '*' },
        })
      ).status,
    ).toBe(404);
  });
});
