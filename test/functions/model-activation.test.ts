import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

let servers: LocalServers;
let h: Harness;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  // A warm rescore container keeps its model store (and its cache) from run to run.
  h.rescoreDeps.models = new DynamoModelStore(h.client, h.table, { cacheMs: 3_600_000 });
  await h.upsert(
    Array.from({ length: 30 }, (_, i) => ({ id: `p-${i}`, metrics: { sales: i, transactions: 30 - i } })),
  );
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

const model = (salesWeight: number) => ({
  ...DEFAULT_MODEL,
  metrics: DEFAULT_MODEL.metrics.map((m) => (m.name === 'sales' ? { ...m, weight: salesWeight } : m)),
});

async function latestRun() {
  return (await h.call<{ status: string; modelVersion: number }>('GET /runs/latest')).body;
}

describe('PUT /model: activation and the run that scores it', () => {
  it('two concurrent PUT /model get strictly increasing versions; the later is active and scored', async () => {
    const [a, b] = await Promise.all([
      h.call<{ version: number }>('PUT /model', { body: model(40) }),
      h.call<{ version: number }>('PUT /model', { body: model(60) }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.version, b.body.version].sort()).toEqual([2, 3]);
    const later = a.body.version === 3 ? 40 : 60;
    await h.drain();
    const active = await h.call<{ version: number; metrics: { name: string; weight: number }[] }>(
      'GET /model',
    );
    expect(active.body.version).toBe(3);
    expect(active.body.metrics.find((m) => m.name === 'sales')?.weight).toBe(later);
    expect(await latestRun()).toMatchObject({ status: 'completed', modelVersion: 3 });
    const ranking = await h.call<RankingResponse>('GET /rankings');
    expect(ranking.body.modelVersion).toBe(3);
  });

  it('a run scores the model activated just before it, in a container that cached the previous one', async () => {
    const put = await h.call<{ version: number; runId: string }>('PUT /model', { body: model(80) });
    expect(put.body.version).toBe(4);
    await h.drain();
    expect(await latestRun()).toMatchObject({ status: 'completed', modelVersion: 4 });
    expect((await h.call<RankingResponse>('GET /rankings')).body.modelVersion).toBe(4);
  });
});
