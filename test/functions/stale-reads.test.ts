import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { staleReadClient } from '#test/support/dynamo-faults.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness } from '#test/workflows/rescore/rescore-harness.ts';

/**
 * DynamoDB reads are eventually consistent unless asked otherwise; dynalite always answers with the
 * latest value. A client that serves the previous value of an item once shows where a decision
 * rests on a read that may be stale.
 */
let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const partners = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `p-${String(i).padStart(3, '0')}`, metrics: { sales: i } }));

describe('reads a decision depends on are strongly consistent', () => {
  it('a run sees every partner written before it started', async () => {
    const stale = staleReadClient(servers, (pk) => pk.startsWith('PARTNERS#'));
    const h = await createHarness(servers, { client: stale.client });
    await h.upsert(partners(40));
    const runId = await h.runNow();
    const run = await h.call<{ status: string; partners: number }>('GET /runs/{runId}', {
      pathParameters: { runId },
    });
    expect(run.body).toMatchObject({ status: 'completed', partners: 40 });
    // The partner read behind GET /partners/{id} and POST /partners' merge see the latest write too.
    await h.upsert([{ id: 'p-001', metrics: { sales: 99 } }]);
    const read = await h.call<{ metrics: Record<string, number> }>('GET /partners/{id}', {
      pathParameters: { id: 'p-001' },
    });
    expect(read.body.metrics.sales).toBe(99);
    await h.dispose();
  });

  it('a cursor of the run just switched to is not refused because the pointer read was stale', async () => {
    const stale = staleReadClient(servers);
    const h = await createHarness(servers, { client: stale.client });
    stale.enable(false);
    await h.upsert(partners(150));
    await h.runNow();
    const second = await h.runNow();
    const first = await h.call<RankingResponse>('GET /rankings', { query: { limit: '120' } });
    expect(first.body.runId).toBe(second);
    // The replica behind the next read still holds the pointer of the first run.
    stale.enable(true);
    const next = await h.call<RankingResponse>('GET /rankings', {
      query: { limit: '120', cursor: first.body.nextCursor as string },
    });
    expect(stale.served()).toBeGreaterThan(0);
    expect(next.status).toBe(200);
    expect(next.body.runId).toBe(second);
    expect(next.body.items.map((item) => item.rank)).toEqual(Array.from({ length: 30 }, (_, i) => 121 + i));
    // The model store's pointer is read strongly consistently: a new version is seen at once.
    const put = await h.call<{ version: number }>('PUT /model', { body: (await h.call('GET /model')).body });
    expect((await h.call<{ version: number }>('GET /model')).body.version).toBe(put.body.version);
    await h.dispose();
  });
});
