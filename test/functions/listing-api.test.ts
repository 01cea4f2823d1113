import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

let servers: LocalServers;
let h: Harness;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  await h.upsert(
    Array.from({ length: 12 }, (_, i) => ({ id: `l-${i}`, metrics: { sales: i * 10, transactions: i } })),
  );
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

type Run = { runId: string; status: string; tiers?: Record<string, number>; partners: number | null };

describe('GET /runs', () => {
  it('lists recent runs newest first; a completed run carries its partners per tier', async () => {
    expect((await h.call<{ items: Run[] }>('GET /runs')).body).toEqual({ items: [] });
    const first = await h.runNow();
    h.clock.offsetMs += 1000;
    const second = await h.runNow();
    h.clock.offsetMs += 1000;
    const running = await h.call<{ runId: string }>('POST /rescore');

    const listed = await h.call<{ items: Run[] }>('GET /runs');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((run) => run.runId)).toEqual([running.body.runId, second, first]);
    const [now, latest] = listed.body.items as [Run, Run];
    expect(now).toMatchObject({ status: 'running' });
    expect(now.tiers).toBeUndefined();
    expect(latest).toMatchObject({ status: 'completed', partners: 12 });
    const tiers = latest.tiers as Record<string, number>;
    expect(Object.values(tiers).reduce((a, b) => a + b, 0)).toBe(12);
    expect(Object.keys(tiers).every((name) => DEFAULT_MODEL.tiers.some((t) => t.name === name))).toBe(true);
    // The single run reads carry the same object.
    expect((await h.call('GET /runs/{runId}', { pathParameters: { runId: second } })).body).toEqual(latest);

    expect((await h.call<{ items: Run[] }>('GET /runs', { query: { limit: '1' } })).body.items).toHaveLength(
      1,
    );
    await h.drain();
  });

  it('answers a bad limit with 400 at /query/limit', async () => {
    for (const limit of ['0', '101', 'ten', '']) {
      const response = await h.call<{ errors: { path: string }[] }>('GET /runs', { query: { limit } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0]?.path).toBe('/query/limit');
    }
  });
});

describe('GET /imports', () => {
  it('lists imports newest first, created by POST /imports', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.offsetMs += 1000;
      ids.push((await h.call<{ importId: string }>('POST /imports')).body.importId);
    }
    const listed = await h.call<{ items: Record<string, unknown>[] }>('GET /imports', {
      query: { limit: '2' },
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.importId)).toEqual([ids[2], ids[1]]);
    expect(listed.body.items[0]).toMatchObject({
      status: 'pending',
      rowsTotal: 0,
      rowsImported: 0,
      rowsRejected: 0,
      errors: [],
      errorReport: null,
    });
    expect(typeof listed.body.items[0]?.createdAt).toBe('string');
    const bad = await h.call<{ errors: { path: string }[] }>('GET /imports', { query: { limit: '500' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.path).toBe('/query/limit');
  });
});

describe('model versions', () => {
  it('lists the versions newest first, ending with the built-in version 1', async () => {
    expect((await h.call('GET /model/versions')).body).toEqual({
      items: [{ version: 1, activatedAt: null }],
    });
    const weighted = { ...DEFAULT_MODEL, tierHysteresis: 5 };
    const put = await h.call<{ version: number }>('PUT /model', { body: weighted });
    expect(put.body.version).toBe(2);
    await h.drain();
    const listed = await h.call<{ items: { version: number; activatedAt: string | null }[] }>(
      'GET /model/versions',
    );
    expect(listed.body.items.map((v) => v.version)).toEqual([2, 1]);
    expect(Date.parse(listed.body.items[0]?.activatedAt ?? '')).not.toBeNaN();
    expect(
      (await h.call<{ items: unknown[] }>('GET /model/versions', { query: { limit: '1' } })).body.items,
    ).toHaveLength(1);
  });

  it('activates a stored version again as the next version, and starts a run', async () => {
    const again = await h.call<{ version: number; runId: string }>(
      'POST /model/versions/{version}/activate',
      {
        pathParameters: { version: '1' },
      },
    );
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(3);
    expect(typeof again.body.runId).toBe('string');
    expect((await h.call('GET /model')).body).toEqual({ ...DEFAULT_MODEL, version: 3 });
    await h.drain();
    const latest = await h.call<Run & { modelVersion: number }>('GET /runs/latest');
    expect(latest.body).toMatchObject({ runId: again.body.runId, modelVersion: 3 });

    const missing = await h.call('POST /model/versions/{version}/activate', {
      pathParameters: { version: '99' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    for (const version of ['0', 'x', '1.5', '-2']) {
      const bad = await h.call<{ errors: { path: string }[] }>('POST /model/versions/{version}/activate', {
        pathParameters: { version },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0]?.path).toBe('/path/version');
    }
  });
});
