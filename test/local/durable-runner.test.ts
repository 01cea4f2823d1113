import type { AddressInfo } from 'node:net';
import { createRetryStrategy, DurableExecutionClientErrorScope } from '@aws/durable-execution-sdk-js';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '#core/adapters/lambda-invoker.ts';
import { durableHandler, isStaleCheckpointToken, staleTokenTolerant } from '#functions/durable.ts';
import { DurableExecutionAlreadyStartedError } from '#infra/local/durable-executions.ts';
import {
  type FunctionModule,
  FunctionRunner,
  type UnfinishedExecution,
} from '#infra/local/function-runner.ts';
import { createLambdaInvokeServer } from '#infra/local/lambda-invoke-server.ts';

/** A durable stand-in for the rescore function: one step per item, item 3 failing twice first. */
function fakeDurableModule(unfinished: UnfinishedExecution[] = []) {
  const attempts = new Map<string, number>();
  const done: string[] = [];
  const handler = durableHandler<{ job: string; failing?: boolean }, number[]>(async (event, ctx) => {
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
  });
  const module: FunctionModule = {
    handler: handler as FunctionModule['handler'],
    unfinishedExecutions: async () => unfinished,
  };
  return { module, attempts, done };
}

function runnerWith(module: FunctionModule) {
  const failures: string[] = [];
  const runner = new FunctionRunner({
    region: 'us-east-1',
    load: async (name) => {
      if (name === 'rescore') return module;
      return { handler: async () => 'plain' };
    },
    onAsyncFailure: (name, error) => failures.push(`${name}: ${String(error)}`),
  });
  return { runner, failures };
}

const runners: FunctionRunner[] = [];
afterAll(async () => {
  for (const runner of runners) await runner.drain(1_000);
});

describe('durable functions in the local stack', () => {
  it('runs a durable function under the SDK runner: a step failing twice is retried and passes', async () => {
    const fake = fakeDurableModule();
    const { runner, failures } = runnerWith(fake.module);
    runners.push(runner);
    await runner.loadAll();
    await expect(runner.invoke('rescore', { job: 'a' })).resolves.toEqual([10, 20, 30, 40]);
    expect(fake.attempts.get('a/3')).toBe(3);
    expect(fake.attempts.get('a/1')).toBe(1);
    expect(failures).toEqual([]);
  });

  it('joins an execution started again under its name with the same payload, refuses another payload', async () => {
    const fake = fakeDurableModule();
    const { runner } = runnerWith(fake.module);
    runners.push(runner);
    const first = runner.invokeAsync('rescore', { job: 'b' }, 'run-b');
    const again = runner.invokeAsync('rescore', { job: 'b' }, 'run-b');
    expect(again).toBe(first);
    expect(() => runner.invokeAsync('rescore', { job: 'other' }, 'run-b')).toThrow(
      DurableExecutionAlreadyStartedError,
    );
    expect(await runner.drain(30_000)).toBe(0);
    expect(fake.done).toEqual(['b']);
    expect(fake.attempts.get('b/1')).toBe(1);
  });

  it('reports a failed execution as a failed asynchronous invocation, once', async () => {
    const fake = fakeDurableModule();
    const { runner, failures } = runnerWith(fake.module);
    runners.push(runner);
    runner.invokeAsync('rescore', { job: 'c', failing: true }, 'run-c');
    expect(await runner.drain(30_000)).toBe(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/rescore: Error: execution FAILED: .*cannot be done/);
  });

  it('starts at start the executions a durable function reports unfinished', async () => {
    const fake = fakeDurableModule([
      { name: 'left-1', payload: { job: 'd1' } },
      { name: 'left-2', payload: { job: 'd2' } },
    ]);
    const { runner } = runnerWith(fake.module);
    runners.push(runner);
    await runner.loadAll();
    expect(await runner.resumeUnfinished()).toBe(2);
    expect(await runner.drain(30_000)).toBe(0);
    expect(fake.done.sort()).toEqual(['d1', 'd2']);
  });

  it('takes DurableExecutionName through the Lambda Invoke API (SDK client), as Lambda does', async () => {
    const fake = fakeDurableModule();
    const { runner } = runnerWith(fake.module);
    runners.push(runner);
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
      expect(await runner.drain(30_000)).toBe(0);
      expect(fake.done).toEqual(['e']);
    } finally {
      client.destroy();
      server.close();
    }
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
