import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#core/keys.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from '#test/workflows/import/import-harness.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

let servers: LocalServers;
let h: Harness;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

type Results = { results: { id: string; status: string }[] };

async function post(partner: Record<string, unknown>) {
  const response = await h.call<Results>('POST /partners', { body: partner });
  expect(response.status).toBe(200);
  return response.body.results[0]?.status;
}

async function rankedIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: RankingResponse } = await h.call<RankingResponse>('GET /rankings', {
      query: { limit: '500', ...(cursor ? { cursor } : {}) },
    });
    ids.push(...page.body.items.map((item) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}

describe('DELETE /partners/{id} keeps a tombstone', () => {
  it('an older upsert is stale, a newer one creates the partner afresh; runs and reads skip the tombstone', async () => {
    const now = Date.now();
    await h.upsert([
      { id: 'keep', metrics: { sales: 5 } },
      { id: 'gone', type: 'Reseller', metrics: { sales: 9, transactions: 3 }, asOf: iso(now - 10 * DAY) },
    ]);
    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(204);
    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(404);
    expect((await h.call('GET /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(404);

    // Last month's data arriving after the delete (a retried request, an old CSV): stale.
    expect(await post({ id: 'gone', metrics: { sales: 1 }, asOf: iso(now - 2 * DAY) })).toBe('stale');
    expect((await h.call('GET /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(404);
    const run = await h.runNow();
    expect(
      (await h.call<{ partners: number }>('GET /runs/{runId}', { pathParameters: { runId: run } })).body,
    ).toMatchObject({ status: 'completed', partners: 1 });
    expect(await rankedIds()).toEqual(['keep']);

    // The tombstone expires with the history (TTL on AWS).
    const tombstone = await servers.documentClient.send(
      new GetCommand({ TableName: h.table, Key: keys.partner('gone') }),
    );
    const expiresAt = Number(tombstone.Item?.expiresAt);
    expect(expiresAt * 1000 - now).toBeGreaterThan(399 * DAY);
    expect(expiresAt * 1000 - now).toBeLessThan(401 * DAY);

    // Data newer than the delete creates the partner again, without the old metrics or fields.
    expect(await post({ id: 'gone', metrics: { sales: 2 }, asOf: iso(Date.now() + 1000) })).toBe('created');
    const again = await h.call<{ type: string | null; metrics: Record<string, number> }>(
      'GET /partners/{id}',
      {
        pathParameters: { id: 'gone' },
      },
    );
    expect(again.body).toMatchObject({ type: null, metrics: { sales: 2 } });
    await h.runNow();
    expect((await rankedIds()).sort()).toEqual(['gone', 'keep']);
  });

  it('a CSV row older than the delete is rejected as stale; a newer one recreates', async () => {
    const imports = await importHarness(servers);
    await imports.partners.upsert([{ id: 'c1', metrics: { sales: 1 }, asOf: iso(Date.now() - 5 * DAY) }]);
    expect(await imports.partners.delete('c1')).toBe(true);
    await imports.importFile('imports/old.csv', `id,sales,asOf\nc1,7,${iso(Date.now() - DAY)}\n`);
    expect(await imports.partners.get('c1')).toBeNull();
    const old = await imports.imports.get('old');
    expect(old).toMatchObject({ status: 'completed', rowsImported: 0, rowsRejected: 1 });
    await imports.importFile('imports/new.csv', `id,sales,asOf\nc1,8,${iso(Date.now() + 1000)}\n`);
    expect((await imports.partners.get('c1'))?.metrics).toEqual({ sales: 8 });
  });
});

describe('a delete of a partner dated ahead of the server', () => {
  it('keeps it deleted against a re-sent row with the same or an older asOf; newer data creates it again', async () => {
    const ahead = iso(Date.now() + 20 * 3_600_000); // rows may carry an asOf up to 24 h ahead
    await h.upsert([{ id: 'ahead', region: 'EMEA', metrics: { sales: 3 }, asOf: ahead }]);
    await h.runNow();
    expect((await h.call('GET /partners/{id}/history', { pathParameters: { id: 'ahead' } })).status).toBe(
      200,
    );
    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'ahead' } })).status).toBe(204);

    // The same CRM row sent again (a retried sync), or one dated between now and its asOf: stale.
    expect(await post({ id: 'ahead', metrics: { sales: 3 }, asOf: ahead })).toBe('stale');
    expect(await post({ id: 'ahead', metrics: { sales: 4 }, asOf: iso(Date.now() + 3_600_000) })).toBe(
      'stale',
    );
    expect((await h.call('GET /partners/{id}', { pathParameters: { id: 'ahead' } })).status).toBe(404);
    // Its history is kept (for the TTL) but not served, like the partner itself.
    const history = await h.call<{ status: number }>('GET /partners/{id}/history', {
      pathParameters: { id: 'ahead' },
    });
    expect(history.status).toBe(404);
    expect(history.headers['content-type']).toBe('application/problem+json');
    await h.runNow();
    expect(await rankedIds()).not.toContain('ahead');

    expect(await post({ id: 'ahead', metrics: { sales: 5 }, asOf: iso(Date.parse(ahead) + 1) })).toBe(
      'created',
    );
    expect((await h.call('GET /partners/{id}/history', { pathParameters: { id: 'ahead' } })).status).toBe(
      200,
    );
  });
});

describe('an upsert that changes nothing', () => {
  it('keeps updatedAt: after an identical daily sync scores stay exact and the ranking is not stale', async () => {
    const partner = { id: 'same', name: 'Same Ltd', region: 'EMEA', metrics: { sales: 4, transactions: 2 } };
    await h.upsert([{ ...partner, asOf: iso(Date.now() - DAY) }]);
    await h.runNow();
    const before = await h.partners.get('same');
    h.clock.offsetMs += 1000;
    expect(await post({ ...partner, asOf: iso(Date.now()) })).toBe('unchanged');
    const after = await h.partners.get('same');
    expect(after?.updatedAt).toBe(before?.updatedAt);
    expect((after?.asOf ?? '') > (before?.asOf ?? '')).toBe(true);
    const read = await h.call<{ score: { provisional: boolean } }>('GET /partners/{id}', {
      pathParameters: { id: 'same' },
    });
    expect(read.body.score.provisional).toBe(false);
    expect((await h.call<RankingResponse>('GET /rankings')).body.stale).toBe(false);
    // A real change still moves it.
    expect(await post({ id: 'same', metrics: { sales: 5 } })).toBe('updated');
    expect((await h.partners.get('same'))?.updatedAt).not.toBe(before?.updatedAt);
    expect((await h.call<RankingResponse>('GET /rankings')).body.stale).toBe(true);
  });
});
