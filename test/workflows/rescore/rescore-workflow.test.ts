import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import { keys } from '#core/keys.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { jsonFile, type RunFiles, runFileKeys, worklistFileKeys } from '#core/runs/run-files.ts';
import { RUN_SLICES, type RunPlan } from '#core/runs/run-plan.ts';
import { toColumns } from '#core/scoring/columns.ts';
import { scorePopulation } from '#core/scoring/score-population.ts';
import type { WorklistPlan } from '#core/worklist/worklist-run.ts';
import { writePages } from '#functions/rescore/steps/pages.ts';
import { checkQuality } from '#functions/rescore/steps/quality.ts';
import { readSlice } from '#functions/rescore/steps/read.ts';
import { scoreRun } from '#functions/rescore/steps/score.ts';
import { worklistSlice } from '#functions/rescore/steps/worklist.ts';
import { worklistPages } from '#functions/rescore/steps/worklist-pages.ts';
import { writeSlice } from '#functions/rescore/steps/write.ts';
import { runDurable, stopDurableRunner } from '#test/support/durable.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from './rescore-harness.ts';

// Each test runs whole durable runs (tens of steps against the local servers, retries 1 s apart):
// on a loaded machine one takes well over the default 60 s.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

function partners(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `w-${String(i).padStart(4, '0')}`,
    name: `Partner ${i}`,
    region: ['EMEA', 'APAC'][i % 2],
    metrics: { sales: (i * 7919) % 1000, transactions: (i * 31) % 97, reputation: (i % 50) / 10 },
  }));
}

/** The ranking (ids in rank order) the scoring core gives the stored partners. */
async function coreRanking(h: Harness): Promise<string[]> {
  const stored = [];
  for (let shard = 0; shard < 32; shard++) {
    for await (const page of h.partners.readShard(shard)) stored.push(...page);
  }
  const run = await h.runs.latestRun();
  const columns = toColumns(DEFAULT_MODEL, stored);
  const result = scorePopulation(DEFAULT_MODEL, columns, { runTimeMs: Date.parse(run?.startedAt ?? '') });
  return Array.from(result.order, (i) => columns.ids[i] as string);
}

async function servedRanking(h: Harness): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of h.rankings.readList((await h.runs.getCurrent())?.runId ?? '', 'all')) {
    ids.push(...page.entries.map((entry) => entry.id));
  }
  return ids;
}

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
});

describe('the rescore workflow under the durable SDK test runner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(servers);
    await h.upsert(partners(300));
  });
  afterAll(() => h.dispose());

  it('retries a slice that fails twice, replays without re-running completed steps, and ranks as the core does', async () => {
    const files = h.rescoreDeps.files;
    const puts = new Map<string, number>();
    let failures = 0;
    h.rescoreDeps.files = {
      get: (key) => files.get(key),
      put: async (key, body) => {
        const name = key.split('/').slice(2).join('/');
        puts.set(name, (puts.get(name) ?? 0) + 1);
        if (name === 'snapshot/5.bin' && failures < 2) {
          failures++;
          throw new Error('S3 unavailable (injected)');
        }
        return files.put(key, body);
      },
    };
    try {
      const started = await h.requester.request('manual');
      h.queued.length = 0;
      const { result, status } = await runDurable(h.rescoreHandler, { runId: started.runId });
      expect(status).toBe('SUCCEEDED');
      expect(puts.get('snapshot/5.bin')).toBe(3);
      // Every other slice was read once: the retry's replay took their results from checkpoints.
      for (let slice = 0; slice < 32; slice++)
        if (slice !== 5) expect(puts.get(`snapshot/${slice}.bin`)).toBe(1);
      expect(result.getInvocations().length).toBeGreaterThan(1);
      const names = result.getOperations().map((operation) => operation.getName());
      expect(names.filter((name) => name === 'read-5')).toHaveLength(1);
      expect(names).toEqual(
        expect.arrayContaining(['begin', 'score', 'switch', 'publish-completed', 'release']),
      );
      expect(await servedRanking(h)).toEqual(await coreRanking(h));
      expect((await h.runs.getRun(started.runId))?.status).toBe('completed');
    } finally {
      h.rescoreDeps.files = files;
    }
  });

  it('produces the same operations on every execution of the same work (deterministic outside steps)', async () => {
    const names = async () => {
      const started = await h.requester.request('manual');
      h.queued.length = 0;
      const { result } = await runDurable(h.rescoreHandler, { runId: started.runId });
      // Fanned-out steps finish in any order: the same set of operations, each once.
      return result
        .getOperations()
        .map((operation) => `${operation.getType()}:${operation.getName()}`)
        .sort();
    };
    expect(await names()).toEqual(await names());
  });

  it('writes the same files, pages and report when its steps run again from their start (at-least-once)', async () => {
    const files = h.rescoreDeps.files;
    const written = new Map<string, Buffer>();
    const recording: RunFiles = {
      get: (key) => files.get(key),
      put: async (key, body) => {
        written.set(key, Buffer.from(body));
        await files.put(key, body);
      },
    };
    h.rescoreDeps.files = recording;
    try {
      // A run with a previous one (hysteresis, previous places and the worklist's items read it).
      await h.runNow();
      const previousRunId = (await h.runs.getClaim())?.currentRunId ?? null;
      expect(previousRunId).not.toBeNull();
      await h.upsert([{ id: 'w-0001', metrics: { sales: 999, transactions: 96, reputation: 4.9 } }]);
      const started = await h.requester.request('manual');
      h.queued.length = 0;
      written.clear();
      expect((await runDurable(h.rescoreHandler, { runId: started.runId })).status).toBe('SUCCEEDED');
      const once = new Map(written);
      const ranking = await servedRanking(h);
      const report = await h.rescoreDeps.quality.getReport(started.runId);
      const run = await h.runs.getRun(started.runId);
      const plan: RunPlan = {
        runId: started.runId,
        startedAt: run?.startedAt as string,
        modelVersion: run?.modelVersion as number,
        previousRunId,
      };
      // Every step between begin and the switch again, as a step cut off at its end would run.
      written.clear();
      const deps = h.rescoreDeps;
      const slices = Array.from({ length: RUN_SLICES }, (_, slice) => slice);
      for (const slice of slices) await readSlice(deps, plan, slice);
      const scored = await scoreRun(deps, plan);
      for (const slice of slices) await writeSlice(deps, plan, slice);
      for (let writer = 0; writer < scored.pageWriters; writer++) await writePages(deps, plan, writer);
      const worklistPlan = jsonFile.decode<WorklistPlan>(
        (await files.get(worklistFileKeys.plan(plan.runId))) as Uint8Array,
      );
      for (const slice of slices) await worklistSlice(deps, plan, worklistPlan, slice);
      await worklistPages(deps, plan, worklistPlan);
      await checkQuality(deps, plan, worklistPlan);

      expect(written.size).toBeGreaterThan(4 * RUN_SLICES);
      for (const [key, body] of written) {
        expect(once.has(key), key).toBe(true);
        expect(body.equals(once.get(key) as Buffer), key).toBe(true);
      }
      expect(await servedRanking(h)).toEqual(ranking);
      expect(await h.rescoreDeps.quality.getReport(started.runId)).toEqual(report);
    } finally {
      h.rescoreDeps.files = files;
    }
  });

  it('takes the previous tiers from the previous run’s pages when its run files have expired', async () => {
    const previous = (await h.runs.getCurrent())?.runId as string;
    const before = new Map<string, string | null>();
    for await (const page of h.rankings.readList(previous, 'all')) {
      for (const entry of page.entries) before.set(entry.id, entry.tier);
    }
    // Partners move, so hysteresis decides some tiers.
    await h.upsert(
      partners(300).map((p, i) => (i % 4 === 0 ? { ...p, metrics: { sales: 999 - (i % 1000) } } : p)),
    );
    for (let slice = 0; slice < 32; slice++) {
      await servers.s3Client.send(
        new DeleteObjectCommand({ Bucket: h.bucket, Key: runFileKeys.places(previous, slice) }),
      );
    }
    const started = await h.requester.request('manual');
    h.queued.length = 0;
    expect((await runDurable(h.rescoreHandler, { runId: started.runId })).status).toBe('SUCCEEDED');
    const stored = [];
    for (let shard = 0; shard < 32; shard++) {
      for await (const page of h.partners.readShard(shard)) stored.push(...page);
    }
    const columns = toColumns(DEFAULT_MODEL, stored);
    const run = await h.runs.getRun(started.runId);
    const result = scorePopulation(DEFAULT_MODEL, columns, {
      runTimeMs: Date.parse(run?.startedAt ?? ''),
      previousTiers: columns.ids.map((id) => before.get(id) ?? null),
    });
    const expected = Array.from(result.order, (i) => {
      const tier = result.tierIndex[i] as number;
      return [columns.ids[i], tier >= 0 ? DEFAULT_MODEL.tiers[tier]?.name : null];
    });
    const served: [string, string | null][] = [];
    for await (const page of h.rankings.readList(started.runId, 'all')) {
      served.push(...page.entries.map((entry): [string, string | null] => [entry.id, entry.tier]));
    }
    expect(served).toEqual(expected);
    const changes = expected.filter(
      ([id, tier]) => (before.get(id as string) ?? null) !== null && before.get(id as string) !== tier,
    );
    expect(run?.tierChanges).toBe(changes.length);
  });

  it('fails a run that lost single flight at the switch: it never becomes the ranking, the next run starts at once', async () => {
    const before = (await h.runs.getCurrent())?.runId;
    const files = h.rescoreDeps.files;
    const started = await h.requester.request('manual');
    h.queued.length = 0;
    h.rescoreDeps.files = {
      get: (key) => files.get(key),
      put: async (key, body) => {
        await files.put(key, body);
        // Another run takes single flight over once this one has scored.
        if (key === runFileKeys.scoreSummary(started.runId)) {
          await h.runs.releaseClaim(started.runId);
          await h.runs.takeClaim('run-intruder', Date.now(), 0);
        }
      },
    };
    try {
      const { status } = await runDurable(h.rescoreHandler, { runId: started.runId });
      expect(status).toBe('FAILED');
    } finally {
      h.rescoreDeps.files = files;
    }
    expect((await h.runs.getCurrent())?.runId).toBe(before);
    const run = await h.runs.getRun(started.runId);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run?.error).toMatch(/lost single flight/);
    await h.runs.releaseClaim('run-intruder');
    const next = await h.requester.request('manual');
    expect(next.status).toBe('running');
    expect(next.runId).not.toBe(started.runId);
    await h.drain();
    expect((await h.runs.getCurrent())?.runId).toBe(next.runId);
  });
});

describe('requests during a run', () => {
  it('do not ignore a refused pending mark: after a stale read of the claim the request starts the run itself', async () => {
    // A client of its own, so the injected fault touches no other test.
    const client = createDocumentClient({
      endpoint: servers.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const h = await createHarness(servers, { client });
    try {
      // Run A holds single flight; partners change after it started; then A finishes and releases.
      await h.upsert(partners(5));
      const a = await h.requester.request('manual');
      h.queued.length = 0;
      await h.upsert([{ id: 'w-0000', metrics: { sales: 1 } }]);
      const staleItem = (await client.send(new GetCommand({ TableName: h.table, Key: keys.currentRun })))
        .Item;
      await h.runs.failRun(a.runId, new Date().toISOString(), 'finished for the test');
      await h.runs.releaseClaim(a.runId);
      // The DynamoDB client serves the previous state once: the take fails and the claim reads as A's.
      let served = false;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { Key?: Record<string, unknown>; ConditionExpression?: string };
          const onPointer = input.Key?.sk === keys.currentRun.sk;
          if (
            !served &&
            onPointer &&
            context.commandName === 'UpdateItemCommand' &&
            input.ConditionExpression?.includes('attribute_not_exists(claimRunId)')
          ) {
            throw new ConditionalCheckFailedException({
              message: 'The conditional request failed (injected: stale)',
              $metadata: {},
            });
          }
          if (!served && onPointer && context.commandName === 'GetItemCommand') {
            served = true;
            return { output: { Item: staleItem, $metadata: {} } } as never;
          }
          return next(args);
        },
        { step: 'initialize', name: 'stale-once' },
      );
      const outcome = await h.requester.request('import');
      expect(served).toBe(true);
      // A's claim refused the pending mark (A had released): the request took single flight itself.
      expect(outcome.status).toBe('running');
      expect(outcome.runId).not.toBe(a.runId);
      expect((await h.runs.getClaim())?.holder).toBe(outcome.runId);
    } finally {
      await h.dispose();
      client.destroy();
    }
  });
});
