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
    Array.from({ length: 30 }, (_, i) => ({
      id: `q-${i}`,
      metrics: { sales: i * 10, transactions: 30 - i, reputation: i % 5 },
    })),
  );
  await h.runNow();
});
afterAll(async () => {
  await h.dispose();
  await servers.stop();
});

describe('query-api: model, preview, runs', () => {
  it('answers GET /health', async () => {
    expect(await h.call('GET /health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('returns the active model with its version', async () => {
    const response = await h.call<Record<string, unknown>>('GET /model');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...DEFAULT_MODEL, version: 1 });
  });

  it('previews a candidate without storing it: movers sorted by rank move, at most limit', async () => {
    const candidate = {
      metrics: [{ name: 'transactions', group: 'business', weight: 100 }],
      tiers: DEFAULT_MODEL.tiers,
    };
    const response = await h.call<{
      partners: number;
      tierChanges: number;
      movers: { id: string; rank: number; previewRank: number }[];
    }>('POST /model/preview', { body: candidate, query: { limit: '5' } });
    expect(response.status).toBe(200);
    expect(response.body.partners).toBe(30);
    expect(response.body.movers).toHaveLength(5);
    const moves = response.body.movers.map((m) => Math.abs(m.rank - m.previewRank));
    expect(moves).toEqual([...moves].sort((a, b) => b - a));
    const wrapped = await h.call<{ movers: unknown[] }>('POST /model/preview', {
      body: { model: candidate, limit: 2 },
    });
    expect(wrapped.body.movers).toHaveLength(2);
    expect((await h.call<{ version: number }>('GET /model')).body.version).toBe(1);
  });

  it('rejects an invalid candidate or model with 400 and a path per problem', async () => {
    const bad = { metrics: [{ name: 'sales', group: 'business', weight: -1 }], tiers: [] };
    const preview = await h.call<{ errors: { path: string }[] }>('POST /model/preview', {
      body: { model: bad },
    });
    expect(preview.status).toBe(400);
    expect(preview.body.errors.map((e) => e.path).sort()).toEqual([
      '/model/metrics/0/weight',
      '/model/tiers',
    ]);
    const put = await h.call<{ errors: { path: string }[] }>('PUT /model', { body: bad });
    expect(put.status).toBe(400);
    expect(put.body.errors.map((e) => e.path).sort()).toEqual(['/metrics/0/weight', '/tiers']);
    const badLimit = await h.call<{ errors: { path: string }[] }>('POST /model/preview', {
      body: DEFAULT_MODEL,
      query: { limit: 'lots' },
    });
    expect(badLimit.body.errors[0]?.path).toBe('/query/limit');
  });

  it('reports runs: latest, by id, 404 for an unknown id', async () => {
    const latest = await h.call<Record<string, unknown>>('GET /runs/latest');
    expect(latest.status).toBe(200);
    expect(Object.keys(latest.body).sort()).toEqual(
      [
        'finishedAt',
        'modelVersion',
        'partners',
        'quality',
        'runId',
        'startedAt',
        'status',
        'tierChanges',
        'tiers',
      ].sort(),
    );
    expect(latest.body).toMatchObject({ status: 'completed', partners: 30, modelVersion: 1, tierChanges: 0 });
    const byId = await h.call('GET /runs/{runId}', {
      pathParameters: { runId: latest.body.runId as string },
    });
    expect(byId.body).toEqual(latest.body);
    const missing = await h.call('GET /runs/{runId}', { pathParameters: { runId: 'run-nope' } });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
  });

  it('shows a running run as latest while it runs', async () => {
    const started = await h.call<{ runId: string; status: string }>('POST /rescore');
    expect(started).toMatchObject({ status: 202, body: { status: 'running' } });
    expect((await h.call<{ status: string }>('GET /runs/latest')).body).toMatchObject({
      runId: started.body.runId,
      status: 'running',
    });
    await h.drain();
    expect((await h.call<{ status: string }>('GET /runs/latest')).body.status).toBe('completed');
  });

  it('returns a partner with metrics under the model names and a 404 for an unknown one', async () => {
    const partner = await h.call<{ metrics: Record<string, number>; score: Record<string, unknown> }>(
      'GET /partners/{id}',
      { pathParameters: { id: 'q-3' } },
    );
    expect(partner.body.metrics).toEqual({ sales: 30, transactions: 27, reputation: 3 });
    expect(partner.body.score).toMatchObject({ provisional: false, modelVersion: 1, coverage: 0.75 });
    expect((await h.call('GET /partners/{id}', { pathParameters: { id: 'nobody' } })).status).toBe(404);
  });

  it('answers bad path and query parameters with 4xx, never a failed key lookup', async () => {
    const longId = await h.call<{ errors: { path: string }[] }>('GET /partners/{id}', {
      pathParameters: { id: 'x'.repeat(200) },
    });
    expect(longId.status).toBe(400);
    expect(longId.body.errors[0]?.path).toBe('/path/id');
    const history = await h.call<{ errors: { path: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'q-1' },
      query: { limit: '0' },
    });
    expect(history.body.errors[0]?.path).toBe('/query/limit');
    const runId = await h.call('GET /runs/{runId}', { pathParameters: { runId: 'r'.repeat(3000) } });
    expect(runId.status).toBe(404);
    const region = await h.call<{ errors: { path: string }[] }>('GET /rankings', {
      query: { region: '€'.repeat(600) },
    });
    expect(region.status).toBe(400);
    expect(region.body.errors[0]?.path).toBe('/query/region');
  });
});
