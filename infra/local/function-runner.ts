import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DurableExecutionInvocationOutput } from '@aws/durable-execution-sdk-js';
import type { Context } from 'aws-lambda';
import {
  DURABLE_FUNCTION_NAMES,
  SERVICE_FUNCTION_NAMES,
  SERVICE_FUNCTIONS,
  type ServiceFunctionName,
} from '../service-functions.ts';
import { DurableEngine } from './durable-engine.ts';
import type { ExecutionOutcome } from './durable-execution.ts';

/** The Lambda functions of the service, by name (their entry files: `functionEntry` of `infra/service-functions.ts`). */
export const FUNCTION_NAMES = SERVICE_FUNCTION_NAMES;
export type FunctionName = ServiceFunctionName;

// Lambda retries a failed asynchronous invocation twice; the delays are shortened locally.
const ASYNC_RETRY_DELAYS_MS = [1_000, 2_000];

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What a function's entry module exports: the Lambda handler. */
export interface FunctionModule {
  handler: LambdaHandler;
}

export interface FunctionRunnerOptions {
  region: string;
  /** Where the durable engine keeps executions (`DATA_DIR/durable-executions`). */
  durableDir: string;
  /** Loads a function's module (a dynamic import of its entry file, `functionEntry` of `infra/service-functions.ts`). */
  load: (name: FunctionName) => Promise<FunctionModule>;
  /** Where a failed asynchronous invocation is reported (the local stand-in for a DLQ). */
  onAsyncFailure: (name: FunctionName, error: unknown, attempts: number) => void;
}

/**
 * Runs the service's Lambda handlers in this process the way Lambda would: a Lambda-like context
 * (request id, ARN, remaining time), synchronous or asynchronous invocation, and for asynchronous ones
 * two retries on failure. Durable functions run as durable executions of the local
 * {@link DurableEngine}, kept under `DATA_DIR` (their steps retry and replay inside the execution,
 * across restarts; a failed execution is reported like a failed asynchronous invocation). It
 * tracks in-flight invocations so a shutdown can wait for them.
 */
export class FunctionRunner {
  private readonly modules = new Map<FunctionName, Promise<FunctionModule>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly durable: DurableEngine;

  constructor(private readonly options: FunctionRunnerOptions) {
    this.durable = new DurableEngine({
      region: options.region,
      dir: options.durableDir,
      invoke: (name, event) => {
        const module = this.module(name as FunctionName);
        const run = module.then((loaded) => loaded.handler(event, this.context(name as FunctionName)));
        return this.track(run) as Promise<DurableExecutionInvocationOutput>;
      },
    });
  }

  /** The durable engine's callbacks (served by the local Lambda API). */
  get callbacks() {
    return this.durable.callbacks;
  }

  static isFunctionName(name: string): name is FunctionName {
    return (FUNCTION_NAMES as readonly string[]).includes(name);
  }

  static isDurable(name: FunctionName): boolean {
    return (DURABLE_FUNCTION_NAMES as readonly string[]).includes(name);
  }

  /** Imports every handler now, so a broken module stops the stack at start rather than on first use. */
  async loadAll(): Promise<void> {
    await Promise.all(FUNCTION_NAMES.map((name) => this.module(name)));
  }

  /**
   * Invokes again every durable execution a previous process left unfinished (they replay from
   * their checkpoints); returns how many there were.
   */
  resumeExecutions(): Promise<number> {
    return this.durable.resume();
  }

  /** Runs the handler and returns its result (a `RequestResponse` invocation). */
  invoke(name: FunctionName, event: unknown): Promise<unknown> {
    if (FunctionRunner.isDurable(name)) {
      return this.durable.start(name, event).then(async (execution) => {
        const outcome = await execution.outcome;
        if (outcome.error !== null) throw new Error(outcome.error);
        return outcome.result;
      });
    }
    const run = this.module(name).then((module) => module.handler(event, this.context(name)));
    return this.track(run);
  }

  /**
   * Starts the handler in the background (an `Event` invocation): a durable function as a durable
   * execution named `executionName` (joined when one of that name runs), any other with Lambda's
   * retry policy. Resolves once the invocation is accepted, to the durable execution's ARN if any
   * (rejects with `DurableExecutionAlreadyStartedError` for a name taken with another payload).
   */
  async invokeAsync(name: FunctionName, event: unknown, executionName?: string): Promise<string | undefined> {
    if (FunctionRunner.isDurable(name)) return (await this.invokeDurable(name, event, executionName)).arn;
    const run = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.invoke(name, event);
        } catch (error) {
          const delay = ASYNC_RETRY_DELAYS_MS[attempt];
          if (delay === undefined || this.abort.signal.aborted) {
            this.options.onAsyncFailure(name, error, attempt + 1);
            return undefined;
          }
          await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
        }
      }
    })();
    this.track(run);
    return undefined;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Stops retrying and invoking (durable executions stay kept, resumed at the next start) and
   * waits up to `graceMs` for running invocations; returns how many were still running when the
   * grace period ended.
   */
  async drain(graceMs: number): Promise<number> {
    this.abort.abort();
    this.durable.stop();
    const timeout = sleep(graceMs).then(() => 'timeout' as const);
    while (this.inFlight.size > 0) {
      const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      if (outcome === 'timeout') return this.inFlight.size;
    }
    return 0;
  }

  /**
   * Starts a durable execution (or joins the one named `executionName`) and returns its ARN and a
   * promise of its end; a failed execution this call started is reported as a failed
   * asynchronous invocation.
   */
  async invokeDurable(
    name: FunctionName,
    event: unknown,
    executionName?: string,
  ): Promise<{ arn: string; outcome: Promise<ExecutionOutcome> }> {
    const execution = await this.durable.start(name, event, executionName);
    if (!execution.joined) {
      execution.outcome.then((outcome) => {
        if (outcome.error !== null) {
          this.options.onAsyncFailure(name, new Error(`execution ${outcome.status}: ${outcome.error}`), 1);
        }
      });
    }
    return execution;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const remove = () => this.inFlight.delete(promise);
    promise.then(remove, remove);
    return promise;
  }

  private module(name: FunctionName): Promise<FunctionModule> {
    let module = this.modules.get(name);
    if (!module) {
      module = this.options.load(name).then((loaded) => {
        if (typeof loaded.handler !== 'function') {
          throw new Error(`the entry file of ${name} does not export a handler function`);
        }
        return loaded;
      });
      this.modules.set(name, module);
    }
    return module;
  }

  private context(name: FunctionName): Context {
    // The stack's own timeout and memory, so `getRemainingTimeInMillis` means the same thing locally.
    const deadline = Date.now() + SERVICE_FUNCTIONS[name].timeoutSeconds * 1000;
    const requestId = randomUUID();
    const unsupported = () => {
      throw new Error('Callback-style completion is not supported; return a promise.');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${name}`,
      memoryLimitInMB: String(SERVICE_FUNCTIONS[name].memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}
