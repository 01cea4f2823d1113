import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeliveredEvent } from '#core/adapters/ndjson-event-sink.ts';
import { keys } from '#core/keys.ts';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import type { DomainEvent } from '#core/ports.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { scheduledRunId } from '#core/runs/run-ids.ts';
import type { RunStore } from '#core/runs/run-store.ts';
import { resumableRuns } from '#functions/rescore/handler.ts';
import { runDurable, stopDurableRunner } from '#test/support/durable.ts';
import { scheduledEvent } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from './rescore-harness.ts';

// Whole durable runs with retries 1 s apart: slow on a loaded two-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

/** Two tiers split at 50, no hysteresis: flipping the sales moves every partner across. */
const model = parseScoringModel({
  metrics: [{ name: 'sales', group: 'business', weight: 1, normalization: 'none' }],
  tiers: [
    { name: 'Gold', minScore: 50 },
    { name: 'Silver', minScore: 0 },
  ],
  tierHysteresis: 0,
});

function partners(count: number, flip: boolean) {
  return Array.from({ length: count }, (_, i) => {
    const sales = i % 2 === 0 ? 80 : 20;
    return { id: `o-${String(i).padStart(3, '0')}`, metrics: { sales: flip ? 100 - sales : sales } };
  });
}

async function rankedIds(h: Harness): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const response: { body: RankingResponse } = await h.call<RankingResponse>('GET /rankings', {
      query: { limit: '500', ...(cursor ? { cursor } : {}) },
    });
    ids.push(...response.body.items.map((item) => item.id));
    cursor = response.body.nextCursor;
  } while (cursor);
  return ids;
}

/** The pointer item's single-flight fields set as a process killed at that moment leaves them. */
async function holdClaim(h: Harness, runId: string, claimedAt = Date.now()): Promise<void> {
  await h.client.send(
    new UpdateCommand({
      TableName: h.table,
      Key: keys.currentRun,
      UpdateExpression: 'SET claimRunId = :runId, claimedAt = :now, latestRunId = :runId',
      ExpressionAttributeValues: { ':runId': runId, ':now': claimedAt },
    }),
  );
}

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
});

describe('the event outbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.call('PUT /model', { body: model });
    await h.drain();
    await h.upsert(partners(40, false));
    await h.runNow(); // every partner's first tier: no change yet
  });
  afterAll(() => h.dispose());

  it('publishes a run’s outbox left after its publish failed past the retries with the next run, each event with one stable id', async () => {
    await h.upsert(partners(40, true));
    const sink = h.rescoreDeps.events;
    let batches = 0;
    // The bus takes two batches, takes a third but its answer is lost (the step re-sends it), then
    // fails for good: the run's publish fails past its retries.
    h.rescoreDeps.events = {
      publish: async (events: readonly DomainEvent[]) => {
        batches++;
        if (batches <= 3) await sink.publish(events);
        if (batches >= 3) throw new Error('event bus unavailable');
      },
    };
    const failed = await h.call<{ runId: string }>('POST /rescore');
    await expect(h.drain()).rejects.toThrow(/event bus unavailable/);
    h.rescoreDeps.events = sink;
    const switched = failed.body.runId;
    expect((await h.runs.getCurrent())?.runId).toBe(switched);
    expect((await h.runs.getRun(switched))?.status).toBe('completed');
    expect((await h.runs.getClaim())?.unpublishedRuns).toEqual([switched]);
    const sentBefore = (await h.events()).filter((event) => event.detail.runId === switched);
    expect(sentBefore.length).toBeGreaterThan(0);
    expect(sentBefore.length).toBeLessThan(40);

    // The next run, with nothing changed, publishes what was left before its own events.
    const next = await h.runNow();
    const events = await h.events();
    const ofRun = (runId: string) => events.filter((event) => event.detail.runId === runId);
    const changes = ofRun(switched).filter((event) => event['detail-type'] === 'PartnerTierChanged');
    const byId = new Map<string, DeliveredEvent>();
    for (const event of changes) {
      const id = event.detail.eventId as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // A re-sent event is the same event: same id, same detail.
      const seen = byId.get(id);
      if (seen) expect(event.detail).toEqual(seen.detail);
      byId.set(id, event);
    }
    // Every partner changed tier; each change has exactly one id, whatever the re-sends.
    expect(byId.size).toBe(40);
    expect(new Set([...byId.values()].map((event) => event.detail.id)).size).toBe(40);
    expect(changes.length).toBeGreaterThan(40); // the batches the failed attempts sent went again
    const completed = ofRun(switched).filter((event) => event['detail-type'] === 'RescoreCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({ runId: switched, partners: 40, tierChanges: 40 });
    // The leftover went out before the next run's own events.
    const lastOfSwitched = events.lastIndexOf(completed[0] as DeliveredEvent);
    const firstOfNext = events.findIndex((event) => event.detail.runId === next);
    expect(lastOfSwitched).toBeLessThan(firstOfNext);
    expect(ofRun(next).map((event) => event['detail-type'])).toEqual(['RescoreCompleted']);
    expect((await h.runs.getClaim())?.unpublishedRuns).toEqual([]);
  });
});

describe('single flight after a crash', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.upsert(partners(20, false));
    await h.runNow();
  });
  afterAll(() => h.dispose());

  for (const status of ['completed', 'failed'] as const) {
    it(`starts a run on request when single flight is held by a ${status} run (killed before its release)`, async () => {
      const finished = (await h.runs.getClaim())?.latestRunId as string;
      if (status === 'failed') {
        const doomed = await h.requester.request('manual');
        h.queued.length = 0;
        await h.runs.failRun(doomed.runId, new Date().toISOString(), 'invoke failed: killed');
        await holdClaim(h, doomed.runId);
      } else {
        expect((await h.runs.getRun(finished))?.status).toBe('completed');
        await holdClaim(h, finished);
      }
      const holder = (await h.runs.getClaim())?.holder as string;
      // An acknowledged write after the crash.
      const id = `late-${status}`;
      await h.upsert([{ id, metrics: { sales: 50 } }]);
      const requested = await h.call<{ runId: string; status: string }>('POST /rescore');
      expect(requested.body.runId).not.toBe(holder);
      expect(requested.body.status).toBe('running');
      await h.drain();
      expect((await h.runs.getCurrent())?.runId).toBe(requested.body.runId);
      expect(await rankedIds(h)).toContain(id);
      const ranking = await h.call<RankingResponse>('GET /rankings');
      expect(ranking.body.stale).toBe(false);
    });
  }

  it('on a restart of the local stack, releases a claim its finished holder kept and starts the follow-up it owed', async () => {
    const finished = (await h.runs.getClaim())?.latestRunId as string;
    await holdClaim(h, finished);
    await h.upsert([{ id: 'late-follow-up', metrics: { sales: 50 } }]);
    // A request during the run left its follow-up on the claim; then the stack died before the release.
    expect(await h.runs.markPending(finished, 'import')).toBe(true);
    expect(await resumableRuns(h.rescoreDeps)).toEqual([]);
    expect((await h.runs.getClaim())?.holder).not.toBe(finished);
    const [followUp] = await h.drain();
    expect(followUp?.status).toBe('completed');
    expect((await h.runs.getRun(followUp?.runId as string))?.reason).toBe('import');
    expect(await rankedIds(h)).toContain('late-follow-up');
  });

  it('starts a run on request when single flight is held by a run id whose record was never written', async () => {
    await holdClaim(h, 'run-never-recorded', Date.now() - 5 * 60_000);
    await h.upsert([{ id: 'late-unrecorded', metrics: { sales: 50 } }]);
    const requested = await h.call<{ runId: string }>('POST /rescore');
    expect(requested.body.runId).not.toBe('run-never-recorded');
    await h.drain();
    expect(await rankedIds(h)).toContain('late-unrecorded');
  });
});

describe('the nightly run’s begin', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.upsert(partners(20, false));
    await h.runNow();
  });
  afterAll(() => h.dispose());

  /** The rescore function's run store, failing its first `failures` claim reads. */
  function failingClaimReads(failures: number): () => void {
    const runs = h.rescoreDeps.runs;
    let calls = 0;
    h.rescoreDeps.runs = new Proxy(runs, {
      get(target, property, receiver) {
        if (property === 'getClaim') {
          return async () => {
            calls++;
            if (calls <= failures) throw new Error('injected: throttled');
            return target.getClaim();
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as RunStore;
    return () => {
      h.rescoreDeps.runs = runs;
    };
  }

  it('goes on with its run when a retry of begin finds the claim it took', async () => {
    const time = '2026-11-26T02:00:00Z';
    const restore = failingClaimReads(1);
    try {
      const result = await h.rescore(scheduledEvent(time));
      expect(result).toEqual({ runId: scheduledRunId(time), status: 'completed' });
    } finally {
      restore();
    }
    expect((await h.runs.getClaim())?.holder).toBeNull();
    expect((await h.runs.getCurrent())?.runId).toBe(scheduledRunId(time));
    // A redelivery of the slot (another execution) still does nothing.
    expect(await h.rescore(scheduledEvent(time))).toEqual({ runId: '', status: 'skipped' });
  });

  it('fails its run and frees single flight when begin fails past its retries', async () => {
    const time = '2026-11-27T02:00:00Z';
    const restore = failingClaimReads(3); // every attempt of begin (3 in the harness)
    try {
      const { status } = await runDurable(h.rescoreHandler, scheduledEvent(time));
      expect(status).toBe('FAILED');
    } finally {
      restore();
    }
    const run = await h.runs.getRun(scheduledRunId(time));
    expect(run).toMatchObject({ status: 'failed' });
    expect(run?.error).toMatch(/begin failed: injected: throttled/);
    expect((await h.runs.getClaim())?.holder).toBeNull();
    const next = await h.call<{ runId: string }>('POST /rescore');
    expect(next.body.runId).not.toBe(scheduledRunId(time));
    await h.drain();
    expect((await h.runs.getCurrent())?.runId).toBe(next.body.runId);
  });
});
