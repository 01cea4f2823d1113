import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRunStore, MAX_FAILED_RUNS } from '#core/adapters/dynamo-run-store.ts';
import type { RunRecord } from '#core/ports.ts';
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

describe('DynamoRunStore single flight', () => {
  it('is single flight on the pointer item, records pending requests, names a dead holder on takeover', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    expect(await store.takeClaim('a', 1_000, 0)).toEqual({ taken: true, abandoned: null });
    expect(await store.takeClaim('b', 1_200, 0)).toEqual({ taken: false, holder: 'a' });
    expect(await store.markPending('a', 'import')).toBe(true);
    expect(await store.markPending('zzz', 'import')).toBe(false);
    expect(await store.getClaim()).toMatchObject({ holder: 'a', pendingReason: 'import', latestRunId: 'a' });
    expect(await store.releaseClaim('a')).toBe('import');
    expect(await store.releaseClaim('a')).toBeNull();
    // A released claim refuses a late pending request: the requester must take it again.
    expect(await store.markPending('a', 'import')).toBe(false);

    expect(await store.takeClaim('c', 2_000, 0)).toEqual({ taken: true, abandoned: null });
    // c's execution ended without its failure step: only past the execution timeout is it taken over.
    expect(await store.takeClaim('d', 2_400, 1_999)).toEqual({ taken: false, holder: 'c' });
    expect(await store.takeClaim('d', 9_000, 2_001)).toEqual({ taken: true, abandoned: 'c' });
    expect((await store.getClaim())?.latestRunId).toBe('d');
    // No ranking yet: the pointer item holds only single flight.
    expect(await store.getCurrent()).toBeNull();
  });

  it('switches only for the holder of single flight, and only over the previous run', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    const scoredAt = '2026-11-24T02:00:00.000Z';
    await store.takeClaim('r1', 1, 0);
    expect(await store.switchCurrent({ runId: 'other', modelVersion: 1, scoredAt }, null)).toBe(false);
    expect(await store.switchCurrent({ runId: 'r1', modelVersion: 1, scoredAt }, null)).toBe(true);
    expect((await store.getCurrent())?.runId).toBe('r1');
    await store.releaseClaim('r1');
    await store.takeClaim('r2', 2, 0);
    expect(await store.switchCurrent({ runId: 'r2', modelVersion: 1, scoredAt }, 'r0')).toBe(false);
    await store.releaseClaim('r2');
    // r2 lost single flight (released, then r3 took it): its switch must fail.
    await store.takeClaim('r3', 3, 0);
    expect(await store.switchCurrent({ runId: 'r2', modelVersion: 1, scoredAt }, 'r1')).toBe(false);
    expect(await store.switchCurrent({ runId: 'r3', modelVersion: 1, scoredAt }, 'r1')).toBe(true);
    expect(await store.getClaim()).toMatchObject({ holder: 'r3', currentRunId: 'r3' });
  });

  it('fails only running runs, and keeps a completed run in history', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    const scoredAt = '2026-11-24T02:00:00.000Z';
    await store.createRun(run('r1', scoredAt));
    expect(await store.createRun(run('r1', scoredAt))).toBe(false);
    await store.takeClaim('r1', 1, 0);
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

  it('keeps only the newest failed runs on the pointer item, and hides their records from history', async () => {
    const store = new DynamoRunStore(servers.documentClient, await servers.createTable());
    const count = MAX_FAILED_RUNS + 7;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const startedAt = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
      const runId = `run-${startedAt.replace(/[-:.]/g, '')}-0000000${i % 10}`;
      ids.push(runId);
      await store.createRun(run(runId, startedAt));
      await store.putScoreRecords(
        [
          {
            id: 'p',
            runId,
            scoredAt: startedAt,
            score: i,
            rank: 1,
            tier: null,
            percentile: 50,
            normalized: {},
          },
        ],
        0,
      );
      await store.failRun(runId, startedAt, 'failed for the test');
    }
    const failed = (await store.getClaim())?.failedRuns ?? [];
    expect(failed.sort()).toEqual(ids.slice(-MAX_FAILED_RUNS));
    // A completed run after them: its record is the partner's history, the newest failures' are not.
    const scoredAt = '2026-12-01T00:00:00.000Z';
    await store.createRun(run('run-20261201T000000000Z-done', scoredAt));
    await store.takeClaim('run-20261201T000000000Z-done', 1, 0);
    await store.putScoreRecords(
      [
        {
          id: 'p',
          runId: 'run-20261201T000000000Z-done',
          scoredAt,
          score: 1,
          rank: 1,
          tier: null,
          percentile: 50,
          normalized: {},
        },
      ],
      0,
    );
    await store.switchCurrent({ runId: 'run-20261201T000000000Z-done', modelVersion: 1, scoredAt }, null);
    const history = (await store.history('p', 5)).map((r) => r.runId);
    expect(history[0]).toBe('run-20261201T000000000Z-done');
    for (const id of ids.slice(-MAX_FAILED_RUNS)) expect(history).not.toContain(id);
  });
});
