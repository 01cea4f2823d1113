import type { DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

let ready: Promise<void> | undefined;

/**
 * Runs a durable handler to its end under the durable SDK's own local runner (real timers: the
 * runner's `skipTime` fakes the clock the local servers also use). The runner's checkpoint worker
 * starts on first use and stays for the test file; {@link stopDurableRunner} in `afterAll`.
 */
export async function runDurable<TResult>(
  handler: DurableLambdaHandler | ((event: never, context: never) => Promise<unknown>),
  payload: unknown,
) {
  ready ??= LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  await ready;
  const runner = new LocalDurableTestRunner<TResult>({ handlerFunction: handler as DurableLambdaHandler });
  const result = await runner.run({ payload });
  return { runner, result, status: String(result.getStatus()) };
}

export async function stopDurableRunner(): Promise<void> {
  if (ready) await LocalDurableTestRunner.teardownTestEnvironment();
  ready = undefined;
}
