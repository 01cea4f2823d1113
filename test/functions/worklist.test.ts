import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import { eventId } from '#core/runs/run-ids.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from '#test/workflows/rescore/rescore-harness.ts';

// Six whole durable runs against the local servers.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

/** Score = sales exactly (`none`, weight 1); the other metrics weigh 0 and feed the quality checks. */
const MODEL = parseScoringModel({
  metrics: [
    { name: 'sales', group: 'business', weight: 1, normalization: 'none' },
    { name: 'transactions', group: 'business', weight: 0, normalization: 'none' },
    { name: 'reputation', group: 'business', weight: 0, normalization: 'none' },
  ],
  tiers: [
    { name: 'Platinum', minScore: 80 },
    { name: 'Gold', minScore: 60 },
    { name: 'Silver', minScore: 40 },
    { name: 'Bronze', minScore: 0 },
  ],
  tierHysteresis: 2,
});

const DAY = 86_400_000;

interface Item {
  itemId: string;
  partnerId: string;
  name: string;
  tier: string | null;
  score: number | null;
  reason: string;
  severity: string;
  openedAt: string;
  detail: Record<string, number | string>;
  state: string;
  snoozedUntil: string | null;
}
interface WorklistBody {
  runId: string | null;
  items: Item[];
  nextCursor: string | null;
}

/**
 * Ten partners: `held` (Gold, then 59: kept by hysteresis), `near` (58: 2 under Gold), `drop`
 * (66 → 64 → 60 → 55), `stale40` and `stale120` (their `asOf` that old), `acme-1` / `acme-2`
 * ("Acme GmbH" and " ACME gmbh"); `transactions` 10…18 and 5,000; `reputation` missing for 2.
 */
function partners(run: { held: number; drop: number }, nowMs: number) {
  const transactions = [10, 11, 12, 13, 14, 15, 16, 17, 18, 5000];
  const base = [
    { id: 'held', sales: run.held },
    { id: 'near', sales: 58 },
    { id: 'drop', sales: run.drop },
    { id: 'stale40', sales: 30, asOf: new Date(nowMs - 40 * DAY).toISOString() },
    { id: 'stale120', sales: 31, asOf: new Date(nowMs - 120 * DAY).toISOString() },
    { id: 'acme-1', name: 'Acme GmbH', sales: 20 },
    { id: 'acme-2', name: ' ACME gmbh', sales: 21 },
    { id: 'other-1', sales: 22 },
    { id: 'other-2', sales: 23, noReputation: true },
    { id: 'other-3', sales: 24, noReputation: true },
  ];
  return base.map((p, i) => ({
    id: p.id,
    name: p.name ?? p.id,
    asOf: p.asOf ?? new Date(nowMs).toISOString(),
    metrics: {
      sales: p.sales,
      transactions: transactions[i],
      ...(p.noReputation ? {} : { reputation: 4 }),
    },
  }));
}

let servers: LocalServers;
let h: Harness;
/** The time partners' `asOf` are measured from: fixed, so that re-sent data is unchanged. */
let t0: number;

async function worklist(query: Record<string, string> = {}) {
  const response = await h.call<WorklistBody>('GET /worklist', { query });
  expect(response.status).toBe(200);
  return response.body;
}

async function runWith(values: { held: number; drop: number }): Promise<string> {
  await h.upsert(partners(values, t0));
  return h.runNow();
}

const byKey = (items: Item[]) => new Map(items.map((item) => [`${item.partnerId}/${item.reason}`, item]));

async function openedEvents() {
  return (await h.events()).filter((event) => event['detail-type'] === 'WorklistItemOpened');
}

beforeAll(async () => {
  servers = await startLocalServers();
  h = await createHarness(servers);
  t0 = Date.now();
});
afterAll(async () => {
  await h?.dispose();
  await servers?.stop();
});

describe('the worklist and the data-quality report, built by runs', () => {
  const ids: Record<string, string> = {};

  it('answers the default settings and no items before any run', async () => {
    const config = await h.call('GET /worklist/config');
    expect(config.body).toEqual({
      nearTierPoints: 3,
      dropPoints: 10,
      dropRuns: 3,
      staleWarnDays: 30,
      staleErrorDays: 90,
    });
    expect(await worklist()).toEqual({ runId: null, items: [], nextCursor: null });
    expect((await h.call('GET /quality/latest')).status).toBe(404);
  });

  it('run 1 and run 2: hysteresis, near the next tier, stale; the quality checks', async () => {
    await h.upsert(partners({ held: 62, drop: 66 }, t0));
    const put = await h.call<{ runId: string }>('PUT /model', { body: MODEL });
    expect(put.status).toBe(200);
    await h.drain();
    const first = await worklist();
    expect(first.runId).toBe(put.body.runId);
    // Run 1: held is plain Gold (62 − 60 = 2 < 3: at risk, medium).
    expect(byKey(first.items).get('held/TIER_AT_RISK')?.severity).toBe('medium');

    const quality = await h.call<{
      runId: string;
      status: string;
      checks: {
        check: string;
        metric: string | null;
        severity: string;
        observed: number | null;
        status: string;
        failing: number;
      }[];
    }>('GET /quality/latest');
    expect(quality.status).toBe(200);
    expect(quality.body.runId).toBe(put.body.runId);
    expect(quality.body.status).toBe('fail');
    const check = (name: string, metric: string | null, severity?: string) =>
      quality.body.checks.find(
        (c) => c.check === name && c.metric === metric && (severity === undefined || c.severity === severity),
      );
    expect(check('completeness', 'reputation')).toMatchObject({ observed: 0.8, status: 'fail', failing: 2 });
    expect(check('completeness', 'sales')).toMatchObject({ observed: 1, status: 'pass', failing: 0 });
    expect(check('outliers', 'transactions')).toMatchObject({ status: 'warn', failing: 1 });
    expect(check('duplicates', null)).toMatchObject({ status: 'warn', failing: 2 });
    expect(check('freshness', null, 'warn')).toMatchObject({ status: 'warn', failing: 2, observed: 120 });
    expect(check('freshness', null, 'fail')).toMatchObject({ status: 'fail', failing: 1 });
    expect(check('drift', 'sales')).toMatchObject({ observed: null, status: 'pass' });
    const run = await h.call<{ quality: string }>('GET /runs/{runId}', {
      pathParameters: { runId: put.body.runId },
    });
    expect(run.body.quality).toBe('fail');

    const failures = async (name: string, metric?: string) => {
      const response = await h.call<{ items: { partnerId: string; name: string; value: unknown }[] }>(
        'GET /quality/{runId}/checks/{check}/failures',
        { pathParameters: { runId: put.body.runId, check: name }, query: metric ? { metric } : {} },
      );
      expect(response.status).toBe(200);
      return response.body.items;
    };
    expect((await failures('completeness', 'Reputation')).map((f) => f.partnerId).sort()).toEqual([
      'other-2',
      'other-3',
    ]);
    // 10…18 and 5,000: median 14.5, MAD 2.5; 18 scores 0.94, 5,000 far over 3.5.
    expect(await failures('outliers', 'transactions')).toEqual([
      { partnerId: 'other-3', name: 'other-3', value: 5000 },
    ]);
    expect((await failures('duplicates')).map((f) => [f.partnerId, f.value]).sort()).toEqual([
      ['acme-1', 'acmegmbh'],
      ['acme-2', 'acmegmbh'],
    ]);
    expect((await failures('freshness')).map((f) => [f.partnerId, f.value]).sort()).toEqual([
      ['stale120', 120],
      ['stale40', 40],
    ]);

    await runWith({ held: 59, drop: 64 });
    const second = await worklist();
    const items = byKey(second.items);
    expect(items.get('held/TIER_AT_RISK')).toMatchObject({
      severity: 'high',
      tier: 'Gold',
      score: 59,
      detail: { tier: 'Gold', minScore: 60, margin: -1 },
    });
    expect(items.get('near/NEAR_NEXT_TIER')).toMatchObject({
      severity: 'low',
      tier: 'Silver',
      detail: { nextTier: 'Gold', pointsNeeded: 2 },
    });
    expect(items.get('stale40/STALE')).toMatchObject({ severity: 'medium', detail: { days: 40 } });
    expect(items.get('stale120/STALE')).toMatchObject({ severity: 'high', detail: { days: 120 } });
    expect(items.has('drop/DROPPING')).toBe(false);
    // Severity first, then score descending.
    expect(second.items.map((i) => [i.severity, i.partnerId, i.reason])).toEqual([
      ['high', 'held', 'TIER_AT_RISK'],
      ['high', 'stale120', 'STALE'],
      ['medium', 'stale40', 'STALE'],
      ['low', 'near', 'NEAR_NEXT_TIER'],
    ]);
    // The held item of run 1 (medium) kept its id when its severity rose.
    expect(items.get('held/TIER_AT_RISK')?.itemId).toBe(byKey(first.items).get('held/TIER_AT_RISK')?.itemId);
    for (const item of second.items) ids[`${item.partnerId}/${item.reason}`] = item.itemId;

    const events = await openedEvents();
    expect(events.map((e) => e.detail.itemId).sort()).toEqual(
      [...second.items.map((i) => i.itemId), byKey(first.items).get('drop/TIER_AT_RISK')?.itemId]
        .filter((id) => id !== undefined)
        .sort(),
    );
    const heldEvent = events.find((e) => e.detail.itemId === ids['held/TIER_AT_RISK']);
    expect(heldEvent?.detail).toEqual({
      itemId: ids['held/TIER_AT_RISK'],
      partnerId: 'held',
      reason: 'TIER_AT_RISK',
      severity: 'medium',
      runId: put.body.runId,
      eventId: eventId(put.body.runId, 'WorklistItemOpened', ids['held/TIER_AT_RISK']),
    });
  });

  it('filters by reason and severity, and pages with a cursor bound to the query', async () => {
    const high = await worklist({ severity: 'high' });
    expect(high.items.map((i) => i.partnerId)).toEqual(['held', 'stale120']);
    const stale = await worklist({ reason: 'STALE' });
    expect(stale.items.map((i) => i.partnerId)).toEqual(['stale120', 'stale40']);
    expect((await worklist({ reason: 'STALE', severity: 'low' })).items).toEqual([]);
    const all = await worklist();
    const paged: Item[] = [];
    let cursor: string | null = null;
    do {
      const page: WorklistBody = await worklist({ limit: '1', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(1);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items);
    const first = await worklist({ limit: '1' });
    const other = await h.call('GET /worklist', {
      query: { limit: '1', reason: 'STALE', cursor: first.nextCursor ?? '' },
    });
    expect(other.status).toBe(400);
  });

  it('snooze, dismiss and done: hidden, shown with includeSnoozed, resolved; 404 and 409', async () => {
    const act = (itemId: string, body: unknown) =>
      h.call<Item>('POST /worklist/{itemId}/actions', { pathParameters: { itemId }, body });
    const until = new Date(h.clock.offsetMs + Date.now() + 200 * DAY).toISOString();
    const snoozed = await act(ids['stale40/STALE'] as string, { action: 'snooze', note: 'on holiday' });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body).toMatchObject({ state: 'snoozed', snoozedUntil: null, partnerId: 'stale40' });
    const dismissed = await act(ids['near/NEAR_NEXT_TIER'] as string, { action: 'dismiss' });
    expect(dismissed.body.state).toBe('dismissed');
    const done = await act(ids['stale120/STALE'] as string, { action: 'done' });
    expect(done.body.state).toBe('done');
    expect((await act(ids['stale120/STALE'] as string, { action: 'done' })).status).toBe(409);
    expect((await act('AAAAAAAAAAAAAAAAAAAAAA', { action: 'done' })).status).toBe(404);
    expect((await act('no-such-item', { action: 'dismiss' })).status).toBe(404);
    expect(
      (await act(ids['held/TIER_AT_RISK'] as string, { action: 'snooze', until })).body.snoozedUntil,
    ).toBe(until);

    expect((await worklist()).items.map((i) => i.partnerId)).toEqual([]);
    const everything = await worklist({ includeSnoozed: 'true' });
    expect(everything.items.map((i) => [i.partnerId, i.state])).toEqual([
      ['held', 'snoozed'],
      ['stale40', 'snoozed'],
      ['near', 'dismissed'],
    ]);
  });

  it('run 3 (nothing changed for held): the same ids, actions kept; done recurs as a new item', async () => {
    await runWith({ held: 59, drop: 60 });
    const third = byKey((await worklist({ includeSnoozed: 'true' })).items);
    expect(third.get('held/TIER_AT_RISK')).toMatchObject({
      itemId: ids['held/TIER_AT_RISK'],
      state: 'snoozed',
    });
    expect(third.get('near/NEAR_NEXT_TIER')).toMatchObject({
      itemId: ids['near/NEAR_NEXT_TIER'],
      state: 'dismissed',
    });
    expect(third.get('stale40/STALE')).toMatchObject({ itemId: ids['stale40/STALE'], state: 'snoozed' });
    const recurred = third.get('stale120/STALE');
    expect(recurred?.state).toBe('open');
    expect(recurred?.itemId).not.toBe(ids['stale120/STALE']);
    expect(third.get('drop/TIER_AT_RISK')).toMatchObject({ severity: 'medium', detail: { margin: 0 } });
  });

  it('run 4: 66 → 64 → 60 → 55 is DROPPING; held above the band stays open one run (anti-flap)', async () => {
    await runWith({ held: 65, drop: 55 });
    const fourth = byKey((await worklist({ includeSnoozed: 'true' })).items);
    expect(fourth.get('drop/DROPPING')).toMatchObject({
      severity: 'medium',
      score: 55,
      detail: { change: -11, scoreThen: 66, runsBack: 3 },
    });
    expect(fourth.get('held/TIER_AT_RISK')?.itemId).toBe(ids['held/TIER_AT_RISK']);
    // Unchanged rerun: every id stays.
    const before = (await worklist({ includeSnoozed: 'true' })).items.map((i) => i.itemId).sort();
    const eventsBefore = (await openedEvents()).length;
    await runWith({ held: 65, drop: 55 });
    const after = byKey((await worklist({ includeSnoozed: 'true' })).items);
    // …but held's condition was false twice in a row: resolved now (and drop's at-risk item of run 3).
    expect(after.has('held/TIER_AT_RISK')).toBe(false);
    expect(after.has('drop/TIER_AT_RISK')).toBe(false);
    const resolved = [ids['held/TIER_AT_RISK'], fourth.get('drop/TIER_AT_RISK')?.itemId];
    expect([...after.values()].map((i) => i.itemId).sort()).toEqual(
      before.filter((id) => !resolved.includes(id)),
    );
    expect((await openedEvents()).length).toBe(eventsBefore);
    const late = await h.call('POST /worklist/{itemId}/actions', {
      pathParameters: { itemId: ids['held/TIER_AT_RISK'] as string },
      body: { action: 'dismiss' },
    });
    expect(late.status).toBe(409);
    // A recurrence is a new item.
    await runWith({ held: 59, drop: 55 });
    const again = byKey((await worklist({ includeSnoozed: 'true' })).items).get('held/TIER_AT_RISK');
    expect(again?.severity).toBe('high');
    expect(again?.itemId).not.toBe(ids['held/TIER_AT_RISK']);
  });

  it('a snooze without a date ends when the severity rises', async () => {
    // 60 days on, stale40 is 100 days old: STALE high.
    h.clock.offsetMs += 60 * DAY;
    await h.runNow();
    const item = byKey((await worklist()).items).get('stale40/STALE');
    expect(item).toMatchObject({ itemId: ids['stale40/STALE'], severity: 'high', state: 'open' });
  });

  it('PUT /worklist/config merges, checks and applies from the next run', async () => {
    const put = await h.call('PUT /worklist/config', { body: { nearTierPoints: 1 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ nearTierPoints: 1, dropPoints: 10 });
    expect((await h.call('GET /worklist/config')).body).toMatchObject({ nearTierPoints: 1 });
    await h.runNow();
    // 2 points under Gold is no longer "near" with nearTierPoints 1 (the item waits out one run).
    await h.runNow();
    expect(byKey((await worklist({ includeSnoozed: 'true' })).items).has('near/NEAR_NEXT_TIER')).toBe(false);
  });
});

describe('bad input to the worklist and quality routes: 400 with the failing path', () => {
  const expectProblem = (response: { status: number; body: unknown }, status: number, path?: string) => {
    expect(response.status).toBe(status);
    if (path) {
      expect((response.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
    }
  };

  it.each([
    [{ severity: 'urgent' }, '/query/severity'],
    [{ reason: 'LATE' }, '/query/reason'],
    [{ includeSnoozed: 'yes' }, '/query/includeSnoozed'],
    [{ limit: '0' }, '/query/limit'],
    [{ limit: '501' }, '/query/limit'],
    [{ cursor: 'forged.cursor' }, '/query/cursor'],
  ])('GET /worklist?%o: 400 at %s', async (query, path) => {
    expectProblem(await h.call('GET /worklist', { query }), 400, path);
  });

  it.each([
    [{ dropRuns: 0 }, '/dropRuns'],
    [{ dropRuns: 2.5 }, '/dropRuns'],
    [{ nearTierPoints: -1 }, '/nearTierPoints'],
    [{ dropPoints: 'ten' }, '/dropPoints'],
    [{ staleWarnDays: 100, staleErrorDays: 90 }, '/staleErrorDays'],
    [{ unknownSetting: 1 }, '/'],
    [[1, 2], '/'],
  ])('PUT /worklist/config %j: 400 at %s, settings unchanged', async (body, path) => {
    const before = (await h.call('GET /worklist/config')).body;
    expectProblem(await h.call('PUT /worklist/config', { body }), 400, path);
    expect((await h.call('GET /worklist/config')).body).toEqual(before);
  });

  it.each([
    [{ action: 'later' }, '/action'],
    [{}, '/action'],
    [{ action: 'snooze', until: 'next week' }, '/until'],
    [{ action: 'snooze', until: '2001-01-01T00:00:00Z' }, '/until'],
    [{ action: 'dismiss', until: '2999-01-01T00:00:00Z' }, '/until'],
    [{ action: 'done', note: 'x'.repeat(1001) }, '/note'],
    [['done'], '/'],
  ])('POST /worklist/{itemId}/actions %j: 400 at %s', async (body, path) => {
    const response = await h.call('POST /worklist/{itemId}/actions', {
      pathParameters: { itemId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      body,
    });
    expectProblem(response, 400, path);
  });

  it('failures: unknown check, a per-metric check without or with an unknown metric, a metric where none is taken', async () => {
    const runId = (await h.call<{ runId: string }>('GET /quality/latest')).body.runId;
    const failures = (check: string, query: Record<string, string> = {}) =>
      h.call('GET /quality/{runId}/checks/{check}/failures', { pathParameters: { runId, check }, query });
    expectProblem(await failures('spelling'), 400, '/path/check');
    expectProblem(await failures('completeness'), 400, '/query/metric');
    expectProblem(await failures('outliers', { metric: 'nosuchmetric' }), 400, '/query/metric');
    expectProblem(await failures('duplicates', { metric: 'sales' }), 400, '/query/metric');
    expectProblem(await failures('duplicates', { limit: 'all' }), 400, '/query/limit');
    expectProblem(await failures('duplicates', { cursor: 'x.y' }), 400, '/query/cursor');
    expectProblem(
      await h.call('GET /quality/{runId}/checks/{check}/failures', {
        pathParameters: { runId: 'no-such-run', check: 'duplicates' },
      }),
      404,
    );
  });
});
