import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import type { RunRecord } from '#core/runs/run-store.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const run = (runId: string, startedAt: string): RunRecord => ({
  runId,
  status: 'running',
  reason: 'manual',
  startedAt,
  finishedAt: null,
  partners: null,
  modelVersion: 1,
  tierChanges: null,
});

describe('DynamoRunStore lease', () => {
  it('is single flight, records pending requests, and names an abandoned holder on takeover', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    expect(await store.takeLease('a', 1_000, 500)).toEqual({ taken: true, abandoned: null });
    expect(await store.takeLease('b', 1_200, 500)).toEqual({ taken: false, holder: 'a' });
    expect(await store.markPending('a', 'import', 1_300)).toBe(true);
    expect(await store.markPending('zzz', 'import', 1_300)).toBe(false);
    expect(await store.releaseLease('a')).toBe('import');
    expect(await store.releaseLease('a')).toBeNull();

    expect(await store.takeLease('c', 2_000, 500)).toEqual({ taken: true, abandoned: null });
    // c never releases (killed): after expiry the next run takes over and learns about c.
    expect(await store.takeLease('d', 2_400, 500)).toEqual({ taken: false, holder: 'c' });
    expect(await store.takeLease('d', 2_600, 500)).toEqual({ taken: true, abandoned: 'c' });
  });

  it('fails only running runs, and keeps a completed run in history', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    const scoredAt = '2026-11-24T02:00:00.000Z';
    await store.createRun(run('r1', scoredAt));
    expect(await store.createRun(run('r1', scoredAt))).toBe(false);
    // An asynchronous invocation delivered twice executes the run once.
    expect(await store.claimExecution('r1')).toBe(true);
    expect(await store.claimExecution('r1')).toBe(false);
    await store.putScoreRecords(
      [
        {
          id: 'p',
          runId: 'r1',
          scoredAt,
          score: 1,
          rank: 1,
          tier: null,
          percentile: 50,
          normalized: { a: 0.5 },
        },
      ],
      0,
    );
    await store.completeRun('r1', {
      finishedAt: scoredAt,
      partners: 1,
      tierChanges: 0,
      modelVersion: 1,
      lists: {},
    });
    expect(await store.switchCurrent({ runId: 'r1', modelVersion: 1, scoredAt }, null)).toBe(true);
    expect(await store.switchCurrent({ runId: 'r1', modelVersion: 1, scoredAt }, null)).toBe(false);

    await store.failRun('r1', scoredAt, 'late takeover');
    expect((await store.getRun('r1'))?.status).toBe('completed');
    expect((await store.history('p', 10)).map((r) => r.runId)).toEqual(['r1']);
  });
});
