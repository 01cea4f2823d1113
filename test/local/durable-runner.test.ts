import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createRetryStrategy,
  type DurableExecutionClient,
  DurableExecutionClientErrorScope,
} from '@aws/durable-execution-sdk-js';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '#core/adapters/lambda-invoker.ts';
import { durableHandler, isStaleCheckpointToken, staleTokenTolerant } from '#functions/durable.ts';
import { DurableExecutionAlreadyStartedError } from '#infra/local/durable-execution.ts';
import { type FunctionModule, FunctionRunner } from '#infra/local/function-runner.ts';
import { createLambdaInvokeServer } from '#infra/local/lambda-invoke-server.ts';

/** A durable stand-in for the rescore function: one step per item, item 3 failing twice first. */
function fakeDurableModule() {
  const attempts = new Map<string, number>();
  const done: string[] = [];
  const handler = durableHandler<{ job: string; failing?: boolean; pauseSeconds?: number }, number[]>(
    async (event, ctx) => {
      if (event.pauseSeconds) await ctx.wait('pause', { seconds: event.pauseSeconds });
      const results = await ctx.map(
        'items',
        [1, 2, 3, 4],
        (child, item) =>
          child.step(
            `item-${item}`,
            async () => {
              const key = `${event.job}/${item}`;
              const attempt = (attempts.get(key) ?? 0) + 1;
              attempts.set(key, attempt);
              if (event.failing) throw new Error(`item ${item} cannot be done`);
              if (item === 3 && attempt <= 2) throw new Error(`item 3 attempt ${attempt} failed`);
              return item * 10;
            },
            {
              retryStrategy: createRetryStrategy({
                maxAttempts: 3,
                initialDelay: { seconds: 1 },
                backoffRate: 1,
              }),
            },
          ),
        { maxConcurrency: 2 },
      );
      // A map's failed items do not fail the map: its BatchResult says so.
      results.throwIfError();
      done.push(event.job);
      return results.getResults();
    },
  );
  const module: FunctionModule = { handler: handler as FunctionModule['handler'] };
  return { module, attempts, done };
}

const dirs: string[] = [];
const runners: FunctionRunner[] = [];
afterAll(async () => {
  for (const runner of runners) await runner.drain(1_000);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'durable-runner-'));
  dirs.push(dir);
  return dir;
}

async function runnerWith(module: FunctionModule, durableDir?: string) {
  const failures: string[] = [];
  const runner = new FunctionRunner({
    region: 'us-east-1',
    durableDir: durableDir ?? (await dataDir()),
    load: async (name) => {
      if (name === 'rescore') return module;
      return { handler: async () => 'plain' };
    },
    onAsyncFailure: (name, error) => failures.push(`${name}: ${String(error)}`),
  });
  runners.push(runner);
  return { runner, failures };
}

describe('durable functions in the local stack', () => {
  it('runs a durable function on the local engine: a step failing twice is retried and passes', async () => {
    const fake = fakeDurableModule();
    const { runner, failures } = await runnerWith(fake.module);
    await runner.loadAll();
    await expect(runner.invoke('rescore', { job: 'a' })).resolves.toEqual([10, 20, 30, 40]);
    expect(fake.attempts.get('a/3')).toBe(3);
    expect(fake.attempts.get('a/1')).toBe(1);
    expect(failures).toEqual([]);
  });

  it('joins an execution started again under its name with the same payload, refuses another payload', async () => {
    const fake = fakeDurableModule();
    const { runner } = await runnerWith(fake.module);
    const first = await runner.invokeAsync('rescore', { job: 'b' }, 'run-b');
    const again = await runner.invokeAsync('rescore', { job: 'b' }, 'run-b');
    expect(again).toBe(first);
    await expect(runner.invokeAsync('rescore', { job: 'other' }, 'run-b')).rejects.toThrow(
      DurableExecutionAlreadyStartedError,
    );
    const { outcome } = await runner.invokeDurable('rescore', { job: 'b' }, 'run-b');
    expect(await outcome).toMatchObject({ status: 'SUCCEEDED', result: [10, 20, 30, 40] });
    expect(fake.done).toEqual(['b']);
    expect(fake.attempts.get('b/1')).toBe(1);
  });

  it('reports a failed execution as a failed asynchronous invocation, once', async () => {
    const fake = fakeDurableModule();
    const { runner, failures } = await runnerWith(fake.module);
    const { outcome } = await runner.invokeDurable('rescore', { job: 'c', failing: true }, 'run-c');
    expect((await outcome).status).toBe('FAILED');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/rescore: Error: execution FAILED: .*cannot be done/);
  });

  it('keeps executions on disk: a new engine resumes an unfinished one and joins an ended one by name', async () => {
    const dir = await dataDir();
    const fake = fakeDurableModule();
    const first = await runnerWith(fake.module, dir);
    await first.runner.invokeAsync('rescore', { job: 'd', pauseSeconds: 1 }, 'run-d');
    // Stopped while the execution waits: its invocation ends PENDING, the wait stays on disk.
    expect(await first.runner.drain(10_000)).toBe(0);
    expect(fake.done).toEqual([]);

    const second = await runnerWith(fake.module, dir);
    expect(await second.runner.resumeExecutions()).toBe(1);
    const { outcome } = await second.runner.invokeDurable('rescore', { job: 'd', pauseSeconds: 1 }, 'run-d');
    expect(await outcome).toMatchObject({ status: 'SUCCEEDED', result: [10, 20, 30, 40] });
    expect(fake.done).toEqual(['d']);
    expect(await second.runner.drain(1_000)).toBe(0);

    const third = await runnerWith(fake.module, dir);
    expect(await third.runner.resumeExecutions()).toBe(0);
    const joined = await third.runner.invokeDurable('rescore', { job: 'd', pauseSeconds: 1 }, 'run-d');
    expect(await joined.outcome).toMatchObject({ status: 'SUCCEEDED', result: [10, 20, 30, 40] });
    await expect(third.runner.invokeAsync('rescore', { job: 'other' }, 'run-d')).rejects.toThrow(
      DurableExecutionAlreadyStartedError,
    );
    expect(fake.done).toEqual(['d']);
  });

  it('takes DurableExecutionName through the Lambda Invoke API (SDK client), as Lambda does', async () => {
    const fake = fakeDurableModule();
    const { runner } = await runnerWith(fake.module);
    const server = createLambdaInvokeServer(runner);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new LambdaClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const invoker = new LambdaInvoker(client);
      await invoker.invokeAsync('rescore:live', { job: 'e' }, { executionName: 'run-e' });
      await invoker.invokeAsync('rescore:live', { job: 'e' }, { executionName: 'run-e' });
      const conflict = client.send(
        new InvokeCommand({
          FunctionName: 'rescore:live',
          InvocationType: 'Event',
          DurableExecutionName: 'run-e',
          Payload: Buffer.from(JSON.stringify({ job: 'not-e' })),
        }),
      );
      await expect(conflict).rejects.toMatchObject({ name: 'DurableExecutionAlreadyStartedException' });
      await (await runner.invokeDurable('rescore', { job: 'e' }, 'run-e')).outcome;
      expect(fake.done).toEqual(['e']);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it("refuses a checkpoint with an earlier invocation's token as Lambda does, which ends only that invocation (#917)", async () => {
    const tokens: string[] = [];
    let refusal: unknown;
    const handler = durableHandler<unknown, string>(async (_event, ctx) => {
      await ctx.wait('pause', { seconds: 1 });
      return 'ok';
    });
    const { runner } = await runnerWith({
      handler: (async (event: { DurableExecutionArn: string; CheckpointToken: string }, context: never) => {
        tokens.push(event.CheckpointToken);
        if (tokens.length === 2) {
          // The second invocation runs: the first one's token is stale.
          const { durableExecutionClient } = event as unknown as {
            durableExecutionClient: DurableExecutionClient;
          };
          await durableExecutionClient
            .checkpoint({
              DurableExecutionArn: event.DurableExecutionArn,
              CheckpointToken: tokens[0],
              Updates: [],
            })
            .catch((error: unknown) => {
              refusal = error;
            });
        }
        return handler(event as never, context);
      }) as FunctionModule['handler'],
    });
    await expect(runner.invoke('rescore', {})).resolves.toBe('ok');
    expect(tokens).toHaveLength(2);
    expect(refusal).toMatchObject({
      isDurableExecutionClientError: true,
      scope: DurableExecutionClientErrorScope.INVOCATION,
      cause: { name: 'InvalidParameterValueException', message: 'Invalid checkpoint token' },
    });
  });
});

describe('stale checkpoint token (SDK issue #917, unreleased fix #920)', () => {
  const stale = Object.assign(new Error('Invalid checkpoint token: superseded'), {
    name: 'InvalidParameterValueException',
  });

  it('recognises the message Lambda sends, in any case, and nothing else', () => {
    expect(isStaleCheckpointToken(stale)).toBe(true);
    expect(
      isStaleCheckpointToken(
        Object.assign(new Error('Invalid Checkpoint Token'), { name: 'InvalidParameterValueException' }),
      ),
    ).toBe(true);
    expect(isStaleCheckpointToken(new Error('Invalid checkpoint token'))).toBe(false);
    expect(
      isStaleCheckpointToken(
        Object.assign(new Error('Payload too large'), { name: 'InvalidParameterValueException' }),
      ),
    ).toBe(false);
  });

  it('ends only the invocation on a stale token; passes other errors through unchanged', async () => {
    const other = new Error('throttled');
    let next: Error = stale;
    const client = staleTokenTolerant({
      getExecutionState: async () => ({ Operations: [] }),
      checkpoint: async () => {
        throw next;
      },
    });
    const params = { DurableExecutionArn: 'arn', CheckpointToken: 't', Updates: [] };
    await expect(client.checkpoint(params)).rejects.toMatchObject({
      isDurableExecutionClientError: true,
      scope: DurableExecutionClientErrorScope.INVOCATION,
    });
    next = other;
    await expect(client.checkpoint(params)).rejects.toBe(other);
  });
});
