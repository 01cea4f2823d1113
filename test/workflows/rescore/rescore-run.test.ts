import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keys } from '#core/keys.ts';
import { DEFAULT_MODEL, SEED_PRESET } from '#core/model/presets.ts';
import { parseScoringModel, type ScoringModel } from '#core/model/scoring-model.ts';
import { normalizeName } from '#core/names.ts';
import type { PartnerRecord } from '#core/ports.ts';
import type { RankingItem, RankingResponse } from '#core/ranking/read-rankings.ts';
import { eventId } from '#core/runs/run-ids.ts';
import { RUN_EXECUTION_TIMEOUT_HOURS } from '#core/runs/run-requester.ts';
import { toColumns } from '#core/scoring/columns.ts';
import { scorePopulation } from '#core/scoring/score-population.ts';
import { scheduledEvent } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from './rescore-harness.ts';

// Each test runs whole durable runs (tens of steps against the local servers, retries 1 s apart):
// on a loaded machine one takes well over the default 60 s.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const REGIONS = ['EMEA', 'APAC', 'AMER'];
const TYPES = ['reseller', 'distributor', 'referral', 'msp'];

/** Deterministic partners with every kind of gap: missing metrics, ties, no region or type. */
function samplePartners(count: number, seed = 7) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => {
    const metrics: Record<string, number> = {};
    if (random() > 0.1) metrics.sales = Math.round(random() * 100_000);
    if (random() > 0.1) metrics.transactions = Math.round(random() * 500);
    if (random() > 0.2) metrics.reputation = Math.round(random() * 50) / 10;
    if (random() > 0.3) metrics.communicationFrequency = Math.round(random() * 30);
    if (random() > 0.3) metrics.commonCustomers = i % 17 === 0 ? 5 : Math.round(random() * 40);
    return {
      id: `partner-${String(i).padStart(4, '0')}`,
      name: `Partner ${i}`,
      ...(i % 11 === 0 ? {} : { region: REGIONS[i % REGIONS.length] }),
      ...(i % 13 === 0 ? {} : { type: TYPES[i % TYPES.length] }),
      metrics,
    };
  });
}

async function allPages(h: Harness, query: Record<string, string>): Promise<RankingResponse[]> {
  const pages: RankingResponse[] = [];
  let cursor: string | null = null;
  do {
    const response: { status: number; body: RankingResponse } = await h.call<RankingResponse>(
      'GET /rankings',
      {
        query: { ...query, ...(cursor ? { cursor } : {}) },
      },
    );
    expect(response.status).toBe(200);
    pages.push(response.body);
    cursor = response.body.nextCursor;
  } while (cursor);
  return pages;
}

const ZSCORE_MODEL: ScoringModel = parseScoringModel({
  metrics: [
    { name: 'sales', group: 'business', weight: 40, normalization: 'zscore' },
    { name: 'transactions', group: 'business', weight: 20, normalization: 'percentile', missing: 'exclude' },
    { name: 'reputation', group: 'business', weight: 20, normalization: 'log', direction: 'lower' },
    {
      name: 'commonCustomers',
      group: 'relationship',
      weight: 20,
      missing: 'neutral',
      cap: { min: 0, max: 30 },
    },
  ],
  tiers: [
    { name: 'Top', minScore: 70 },
    { name: 'Mid', minScore: 40 },
  ],
  tierHysteresis: 0,
});

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

describe('rescore runs end to end (ingest → run → rankings)', () => {
  let h: Harness;
  const partners = samplePartners(260);
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.upsert(partners);
  });
  afterAll(() => h.dispose());

  it('serves an empty ranking, no latest run and a null score before the first run', async () => {
    const rankings = await h.call<RankingResponse>('GET /rankings');
    expect(rankings.status).toBe(200);
    expect(rankings.body).toMatchObject({ runId: null, items: [], nextCursor: null });
    expect((await h.call('GET /runs/latest')).status).toBe(404);
    const partner = await h.call<{ score: { value: number | null } }>('GET /partners/{id}', {
      pathParameters: { id: 'partner-0001' },
    });
    expect(partner.status).toBe(200);
    expect(partner.body.score.value).toBeNull();
  });

  it.each([
    ['default', DEFAULT_MODEL],
    ['seed preset', SEED_PRESET],
    ['zscore/percentile/log/exclude', ZSCORE_MODEL],
  ])('ranks exactly as the scoring core does under the %s model', async (_name, model) => {
    const put = await h.call<{ version: number; runId: string }>('PUT /model', { body: model });
    expect(put.status).toBe(200);
    await h.drain();
    const run = await h.call<{ status: string; startedAt: string; partners: number; modelVersion: number }>(
      'GET /runs/{runId}',
      { pathParameters: { runId: put.body.runId } },
    );
    expect(run.body).toMatchObject({
      status: 'completed',
      partners: partners.length,
      modelVersion: put.body.version,
    });

    const stored: PartnerRecord[] = [];
    for (let shard = 0; shard < 32; shard++)
      for await (const page of h.partners.readShard(shard)) stored.push(...page);
    const expected = scorePopulation(model, toColumns(model, stored), {
      runTimeMs: Date.parse(run.body.startedAt),
    });
    const expectedOrder = Array.from(expected.order, (i) => stored[i]?.id);

    const pages = await allPages(h, { limit: '500' });
    const items = pages.flatMap((page) => page.items);
    expect(pages[0]).toMatchObject({ runId: put.body.runId, modelVersion: put.body.version, stale: false });
    expect(items.map((item) => item.id)).toEqual(expectedOrder);
    expect(items.map((item) => item.rank)).toEqual(items.map((_, k) => k + 1));
    for (const item of items) {
      const i = stored.findIndex((p) => p.id === item.id);
      expect(item.score).toBe(expected.scores[i]);
    }

    // Each item carries what the console shows per row: region, type and coverage (contract §3).
    const totalWeight = model.metrics.reduce((sum, metric) => sum + metric.weight, 0);
    const byId = new Map(stored.map((p) => [p.id, p]));
    for (const item of items) {
      const partner = byId.get(item.id) as PartnerRecord;
      const stored = new Set(Object.keys(partner.metrics).map(normalizeName));
      const present = model.metrics
        .filter((metric) => stored.has(normalizeName(metric.name)))
        .reduce((sum, metric) => sum + metric.weight, 0);
      expect(item, item.id).toMatchObject({
        region: partner.region ?? null,
        type: partner.type ?? null,
        coverage: Math.round((present / totalWeight) * 10_000) / 10_000,
      });
    }
    const partial = items.find((item) => (item.coverage as number) < 1) as RankingItem;
    expect(partial).toBeDefined();
    expect(items.some((item) => item.coverage === 1)).toBe(true);
    expect(items.some((item) => item.region === null) && items.some((item) => item.type === null)).toBe(true);
    const partialRead = await h.call<{ score: { coverage: number } }>('GET /partners/{id}', {
      pathParameters: { id: partial.id },
    });
    expect(partial.coverage).toBeCloseTo(partialRead.body.score.coverage, 4);

    // The partner read is exact: the run's score, rank and percentile, and a breakdown that sums to it.
    const top = items[0] as RankingItem;
    const read = await h.call<{
      score: { value: number; rank: number; provisional: boolean; breakdown: { contribution: number }[] };
    }>('GET /partners/{id}', { pathParameters: { id: top.id } });
    expect(read.body.score).toMatchObject({ value: top.score, rank: 1, provisional: false });
    const sum = read.body.score.breakdown.reduce((total, part) => total + part.contribution, 0);
    expect(sum).toBeCloseTo(top.score, 9);
  });

  it('pages with a small limit return every partner once, in order, with and without filters', async () => {
    const full = (await allPages(h, { limit: '500' })).flatMap((page) => page.items);
    const byId = new Map(partners.map((p) => [p.id, p]));
    const cases: [Record<string, string>, (item: RankingItem) => boolean][] = [
      [{}, () => true],
      [{ region: 'EMEA' }, (item) => byId.get(item.id)?.region === 'EMEA'],
      [{ type: 'msp' }, (item) => byId.get(item.id)?.type === 'msp'],
      [{ tier: 'Mid' }, (item) => item.tier === 'Mid'],
      [
        { region: 'APAC', type: 'reseller' },
        (item) => byId.get(item.id)?.region === 'APAC' && byId.get(item.id)?.type === 'reseller',
      ],
      [{ region: 'Atlantis' }, () => false],
    ];
    for (const [filters, keep] of cases) {
      const paged = (await allPages(h, { ...filters, limit: '7' })).flatMap((page) => page.items);
      expect(paged, JSON.stringify(filters)).toEqual(full.filter(keep));
    }
  });

  it('rejects tampered cursors, cursors of other filters and bad limits with 400 and the failing path', async () => {
    const first = await h.call<RankingResponse>('GET /rankings', { query: { limit: '5', region: 'EMEA' } });
    const cursor = first.body.nextCursor as string;
    const [payload, tag] = cursor.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify(['x', 'all', 0, '[null,null,null]'])).toString('base64url')}.${tag}`;
    for (const bad of [`${payload}x.${tag}`, `${payload}.${tag.slice(1)}A`, forged, 'garbage']) {
      const response = await h.call<{ errors: { path: string }[] }>('GET /rankings', {
        query: { cursor: bad, region: 'EMEA' },
      });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body.errors[0]?.path).toBe('/query/cursor');
    }
    const otherFilters = await h.call('GET /rankings', { query: { cursor, region: 'APAC' } });
    expect(otherFilters.status).toBe(400);
    for (const limit of ['0', '501', 'abc', '1.5', '-3', '']) {
      const response = await h.call<{ errors: { path: string }[] }>('GET /rankings', { query: { limit } });
      expect(response.status, limit).toBe(400);
      expect(response.body.errors[0]?.path).toBe('/query/limit');
    }
  });

  it('asks to restart when a cursor belongs to a run that is no longer current', async () => {
    const first = await h.call<RankingResponse>('GET /rankings', { query: { limit: '5' } });
    await h.runNow();
    const next = await h.call<{ detail: string; errors: { message: string }[] }>('GET /rankings', {
      query: { cursor: first.body.nextCursor as string },
    });
    expect(next.status).toBe(400);
    expect(next.body.errors[0]?.message).toMatch(/start again from the first page/);
  });

  it('appends one history record per run, newest first, with a 400-day TTL', async () => {
    const before = await h.call<{ items: { runId: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'partner-0003' },
    });
    const runId = await h.runNow();
    const after = await h.call<{ items: { runId: string; scoredAt: string; rank: number }[] }>(
      'GET /partners/{id}/history',
      { pathParameters: { id: 'partner-0003' } },
    );
    expect(after.body.items).toHaveLength(before.body.items.length + 1);
    expect(after.body.items[0]?.runId).toBe(runId);
    const scoredAt = after.body.items[0]?.scoredAt as string;
    const raw = await h.client.send(
      new GetCommand({ TableName: h.table, Key: keys.scoreRecord('partner-0003', scoredAt, runId) }),
    );
    expect(raw.Item?.expiresAt).toBe(Math.floor(Date.parse(scoredAt) / 1000) + 400 * 86_400);
    expect((await h.call('GET /partners/{id}/history', { pathParameters: { id: 'nobody' } })).status).toBe(
      404,
    );
  });

  it('marks the ranking stale and the partner provisional after a change', async () => {
    await h.upsert([{ id: 'partner-0005', metrics: { sales: 99_999 } }]);
    const rankings = await h.call<RankingResponse>('GET /rankings', { query: { limit: '1' } });
    expect(rankings.body.stale).toBe(true);
    const read = await h.call<{ score: { provisional: boolean; value: number } }>('GET /partners/{id}', {
      pathParameters: { id: 'partner-0005' },
    });
    expect(read.body.score.provisional).toBe(true);
    expect(typeof read.body.score.value).toBe('number');
  });
});

describe('single flight and schedule', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.upsert(samplePartners(40, 3));
  });
  afterAll(() => h.dispose());

  it('starts one run for two concurrent POST /rescore', async () => {
    const [a, b] = await Promise.all([
      h.call<{ runId: string }>('POST /rescore'),
      h.call<{ runId: string }>('POST /rescore'),
    ]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.runId).toBe(b.body.runId);
    expect(h.queued).toHaveLength(1);
    const results = await h.drain();
    // Nothing changed after the run started: it already scores what the second request asked for.
    expect(results.map((r) => r.status)).toEqual(['completed']);
    const latest = await h.call<{ runId: string; status: string }>('GET /runs/latest');
    expect(latest.body).toMatchObject({ runId: a.body.runId, status: 'completed' });
  });

  it('leaves ONE follow-up run for requests during a run after partners changed, none without a change', async () => {
    const first = await h.call<{ runId: string }>('POST /rescore');
    // A change after the run started, then requests: one follow-up run, whatever their number.
    await h.upsert([{ id: 'partner-0001', metrics: { sales: 123 } }]);
    const during = await Promise.all([
      h.call<{ runId: string }>('POST /rescore'),
      h.call<{ runId: string }>('POST /rescore'),
    ]);
    expect(during.map((r) => r.body.runId)).toEqual([first.body.runId, first.body.runId]);
    const results = await h.drain();
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    const followUp = results[1]?.runId as string;
    expect(followUp).not.toBe(first.body.runId);
    expect((await h.runs.getCurrent())?.runId).toBe(followUp);
    const history = await h.call<{ items: { runId: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'partner-0001' },
    });
    expect(history.body.items[0]?.runId).toBe(followUp);
  });

  it('does no harm on a redelivered schedule event', async () => {
    const event = scheduledEvent('2026-11-25T02:00:00Z');
    const first = await h.rescore(event);
    expect(first.status).toBe('completed');
    const again = await h.rescore({ ...event, id: crypto.randomUUID() });
    expect(again.status).toBe('skipped');
    const runs = await h.client.send(
      new QueryCommand({
        TableName: h.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.run(first.runId).pk },
      }),
    );
    expect(runs.Items?.filter((item) => item.sk === keys.run(first.runId).sk)).toHaveLength(1);
  });

  it('keeps a switched run as the ranking when publishing its events fails, and frees the lease', async () => {
    const sink = h.rescoreDeps.events;
    h.rescoreDeps.events = {
      publish: async () => {
        throw new Error('event bus unavailable');
      },
    };
    const started = await h.call<{ runId: string }>('POST /rescore');
    await expect(h.drain()).rejects.toThrow(/event bus unavailable/);
    h.rescoreDeps.events = sink;
    expect((await h.runs.getCurrent())?.runId).toBe(started.body.runId);
    const run = await h.call<{ status: string }>('GET /runs/{runId}', {
      pathParameters: { runId: started.body.runId },
    });
    expect(run.body.status).toBe('completed');
    const next = await h.call<{ runId: string }>('POST /rescore');
    expect(next.body.runId).not.toBe(started.body.runId);
    await h.drain();
  });

  it('takes over single flight from a run whose execution ended past its timeout, and marks it failed', async () => {
    const current = await h.runs.getCurrent();
    const killed = await h.requester.request('manual');
    h.queued.length = 0; // the execution is gone without running its failure step (Lambda stopped it)
    const blocked = await h.call<{ runId: string; status: string }>('POST /rescore');
    expect(blocked.body).toEqual({ runId: killed.runId, status: 'running' });
    expect((await h.runs.getCurrent())?.runId).toBe(current?.runId);

    h.clock.offsetMs += (RUN_EXECUTION_TIMEOUT_HOURS * 60 + 6) * 60_000; // past the execution timeout
    const next = await h.call<{ runId: string }>('POST /rescore');
    expect(next.body.runId).not.toBe(killed.runId);
    await h.drain();
    expect(
      (await h.call<{ status: string }>('GET /runs/{runId}', { pathParameters: { runId: killed.runId } }))
        .body.status,
    ).toBe('failed');
    expect((await h.runs.getCurrent())?.runId).toBe(next.body.runId);
  });
});

describe('hysteresis and tier events over three runs', () => {
  let h: Harness;
  let run0: string;
  const model = parseScoringModel({
    metrics: [{ name: 'sales', group: 'business', weight: 1, normalization: 'none' }],
    tiers: [
      { name: 'Gold', minScore: 60 },
      { name: 'Silver', minScore: 0 },
    ],
    tierHysteresis: 2,
  });
  beforeAll(async () => {
    h = await createHarness(servers);
    const put = await h.call<{ runId: string }>('PUT /model', { body: model });
    run0 = put.body.runId;
    await h.drain(); // the model's run, over no partners yet
  });
  afterAll(() => h.dispose());

  it('keeps a tier within the band, drops it below, and emits exactly the tier changes', async () => {
    const tierOf = async (id: string) =>
      (await h.call<{ score: { tier: string } }>('GET /partners/{id}', { pathParameters: { id } })).body.score
        .tier;

    await h.upsert([
      { id: 'edge', metrics: { sales: 61 } },
      { id: 'steady', metrics: { sales: 80 } },
      { id: 'climber', metrics: { sales: 10 } },
    ]);
    const run1 = await h.runNow();
    expect(await tierOf('edge')).toBe('Gold');

    await h.upsert([
      { id: 'edge', metrics: { sales: 59 } },
      { id: 'climber', metrics: { sales: 70 } },
      { id: 'newcomer', metrics: { sales: 90 } },
    ]);
    const run2 = await h.runNow();
    expect(await tierOf('edge')).toBe('Gold'); // 59 ≥ 60 − 2
    expect(await tierOf('climber')).toBe('Gold');

    await h.upsert([{ id: 'edge', metrics: { sales: 57 } }]);
    const run3 = await h.runNow();
    expect(await tierOf('edge')).toBe('Silver');

    const events = await h.events();
    for (const event of events) expect(event).toMatchObject({ version: '0', source: 'partner-scoring' });
    const changes = events.filter((e) => e['detail-type'] === 'PartnerTierChanged').map((e) => e.detail);
    expect(changes).toEqual([
      {
        eventId: eventId(run2, 'PartnerTierChanged', 'climber'),
        id: 'climber',
        from: 'Silver',
        to: 'Gold',
        score: 70,
        runId: run2,
      },
      {
        eventId: eventId(run3, 'PartnerTierChanged', 'edge'),
        id: 'edge',
        from: 'Gold',
        to: 'Silver',
        score: 57,
        runId: run3,
      },
    ]);
    const completed = events.filter((e) => e['detail-type'] === 'RescoreCompleted').map((e) => e.detail);
    expect(completed.map((d) => [d.runId, d.partners, d.tierChanges])).toEqual([
      [run0, 0, 0],
      [run1, 3, 0],
      [run2, 4, 1],
      [run3, 4, 1],
    ]);
    const run = await h.call<{ tierChanges: number }>('GET /runs/{runId}', {
      pathParameters: { runId: run3 },
    });
    expect(run.body.tierChanges).toBe(1);

    const ranking = await h.call<RankingResponse>('GET /rankings');
    expect(ranking.body.items.map((item) => [item.id, item.rank, item.previousRank])).toEqual([
      ['newcomer', 1, 1],
      ['steady', 2, 2],
      ['climber', 3, 3],
      ['edge', 4, 4],
    ]);
    const history = await h.call<{ items: { runId: string; tier: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'edge' },
    });
    expect(history.body.items.map((item) => [item.runId, item.tier])).toEqual([
      [run3, 'Silver'],
      [run2, 'Gold'],
      [run1, 'Gold'],
    ]);
  });
});

describe('scores beyond 2^53', () => {
  it('are stored and read back exactly (score records carry their numbers as JSON)', async () => {
    const h = await createHarness(servers);
    await h.call('PUT /model', {
      body: {
        metrics: [{ name: 'sales', group: 'business', weight: 1e15, normalization: 'none' }],
        tiers: [{ name: 'All', minScore: 0 }],
      },
    });
    await h.drain();
    await h.upsert([{ id: 'huge', metrics: { sales: 123456789.5 } }]);
    const runId = await h.runNow();
    const expected = 1e15 * 123456789.5;
    const read = await h.call<{ score: { value: number; provisional: boolean } }>('GET /partners/{id}', {
      pathParameters: { id: 'huge' },
    });
    expect(read.body.score).toMatchObject({ value: expected, provisional: false });
    const history = await h.call<{ items: { runId: string; score: number }[] }>(
      'GET /partners/{id}/history',
      {
        pathParameters: { id: 'huge' },
      },
    );
    expect(history.body.items).toEqual([expect.objectContaining({ runId, score: expected })]);
    await h.dispose();
  });
});

describe('DELETE /partners/{id} and the ranking', () => {
  it('serves a deleted partner from the current run (marked stale) until the next run drops it', async () => {
    const h = await createHarness(servers);
    await h.upsert([
      { id: 'keep', metrics: { sales: 10 } },
      { id: 'drop', metrics: { sales: 20 } },
    ]);
    const run1 = await h.runNow();
    const fresh = await h.call<RankingResponse>('GET /rankings');
    expect(fresh.body).toMatchObject({ runId: run1, stale: false });

    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'drop' } })).status).toBe(204);
    const before = await h.call<RankingResponse>('GET /rankings');
    expect(before.body).toMatchObject({ runId: run1, stale: true });
    expect(before.body.items.map((item) => item.id)).toEqual(['drop', 'keep']);

    const run2 = await h.runNow();
    const after = await h.call<RankingResponse>('GET /rankings');
    expect(after.body).toMatchObject({ runId: run2, stale: false });
    expect(after.body.items.map((item) => [item.id, item.rank, item.previousRank])).toEqual([['keep', 1, 2]]);
    expect((await h.call('GET /partners/{id}', { pathParameters: { id: 'drop' } })).status).toBe(404);
    await h.dispose();
  });
});
