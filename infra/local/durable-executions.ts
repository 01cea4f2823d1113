import { randomUUID } from 'node:crypto';
import type { DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

/** How a local durable execution ended (the SDK runner's status, `SUCCEEDED` / `FAILED` / …). */
export interface ExecutionOutcome {
  status: string;
  result: unknown;
  error: string | null;
}

/** The same execution name started again with another payload (Lambda's 409 of that case). */
export class DurableExecutionAlreadyStartedError extends Error {
  override readonly name = 'DurableExecutionAlreadyStartedException';
}

// The SDK runner's checkpoint worker is one per process: shared by every instance, torn down with the last.
let environment: Promise<void> | undefined;
let users = 0;

interface Execution {
  arn: string;
  payload: string;
  outcome: Promise<ExecutionOutcome>;
}

/**
 * Durable executions inside `npm start`, run by the durable SDK's own local runner
 * (`LocalDurableTestRunner` of `@aws/durable-execution-sdk-js-testing`): the handler Lambda runs,
 * with its steps checkpointed, retried and replayed by the SDK, in this process (the runner keeps
 * checkpoints in a worker thread, in memory). Like `Invoke` with `DurableExecutionName`, a name
 * started again with the same payload joins the existing execution; with another payload it is
 * refused.
 *
 * The runner's memory dies with the process, so after a restart the local stack starts unfinished
 * work again from the state the handlers persisted in DynamoDB and S3 (each durable function
 * module exports `unfinishedExecutions`; see {@link FunctionRunner.resumeUnfinished}).
 */
export class LocalDurableExecutions {
  private readonly byName = new Map<string, Execution>();
  private started = false;

  constructor(private readonly region: string) {}

  /** Starts the runner's checkpoint worker (real timers: `skipTime` would fake this process's clock). */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      users++;
      environment ??= LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
    }
    return environment as Promise<void>;
  }

  /** Stops the checkpoint worker when no other instance uses it (call once no execution runs). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    users--;
    if (users === 0 && environment) {
      environment = undefined;
      await LocalDurableTestRunner.teardownTestEnvironment();
    }
  }

  /**
   * Starts an execution of `handler` (or joins the one already started under `executionName`)
   * and returns its ARN and a promise of its end.
   */
  run(
    functionName: string,
    handler: DurableLambdaHandler | Promise<DurableLambdaHandler>,
    payload: unknown,
    executionName: string = randomUUID(),
  ): { arn: string; outcome: Promise<ExecutionOutcome>; joined: boolean } {
    const key = `${functionName}/${executionName}`;
    const text = JSON.stringify(payload ?? {});
    const existing = this.byName.get(key);
    if (existing) {
      if (existing.payload !== text) {
        throw new DurableExecutionAlreadyStartedError(
          `Execution ${executionName} of ${functionName} was started with another payload; use another name.`,
        );
      }
      return { ...existing, joined: true };
    }
    const arn = `arn:aws:lambda:${this.region}:000000000000:function:${functionName}:live/durable-execution/${executionName}`;
    const outcome = this.execute(handler, payload);
    const execution = { arn, payload: text, outcome };
    this.byName.set(key, execution);
    return { ...execution, joined: false };
  }

  private async execute(
    handler: DurableLambdaHandler | Promise<DurableLambdaHandler>,
    payload: unknown,
  ): Promise<ExecutionOutcome> {
    let result: Awaited<ReturnType<LocalDurableTestRunner['run']>>;
    try {
      await this.start();
      const runner = new LocalDurableTestRunner({ handlerFunction: await handler });
      result = await runner.run({ payload });
    } catch (error) {
      return { status: 'FAILED', result: undefined, error: String(error) };
    }
    const status = String(result.getStatus() ?? 'UNKNOWN');
    if (status === 'SUCCEEDED') return { status, result: result.getResult(), error: null };
    const error = result.getError();
    return { status, result: undefined, error: `${error.errorType ?? 'Error'}: ${error.errorMessage ?? ''}` };
  }
}
