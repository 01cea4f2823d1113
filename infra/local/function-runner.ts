import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import type { Context } from 'aws-lambda';
import { DURABLE_FUNCTION_NAMES } from '../service-functions.ts';
import { LocalDurableExecutions } from './durable-executions.ts';

/** The Lambda functions of the service, by name (their entry files: `functionEntry` of `infra/service-functions.ts`). */
export const FUNCTION_NAMES = [
  'ingest-api',
  'query-api',
  'import-csv',
  'rescore',
  'lead',
  'web-console',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Timeouts as the CDK stack gives them, so `getRemainingTimeInMillis` means the same thing locally. */
const TIMEOUT_MS: Record<FunctionName, number> = {
  'ingest-api': 29_000,
  'query-api': 29_000,
  'import-csv': 900_000,
  rescore: 900_000,
  lead: 60_000,
  'web-console': 10_000,
};

const MEMORY_MB: Record<FunctionName, number> = {
  'ingest-api': 1024,
  'query-api': 1024,
  'import-csv': 1769,
  rescore: 1769,
  lead: 1024,
  'web-console': 256,
};

// Lambda retries a failed asynchronous invocation twice; the delays are shortened locally.
const ASYNC_RETRY_DELAYS_MS = [1_000, 2_000];

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** An execution the local stack starts again at start (see {@link FunctionModule}). */
export interface UnfinishedExecution {
  /** The durable execution name (the same name Lambda would dedupe on). */
  name: string;
  payload: unknown;
}

/**
 * What a function's entry module exports. A durable function may also export
 * `unfinishedExecutions`: the executions to start again when the local stack starts, read from the
 * state its handler persisted (the SDK's local runner keeps its checkpoints in memory only, so a
 * restart of `npm start` loses the executions themselves; on AWS the durable service keeps them).
 */
export interface FunctionModule {
  handler: LambdaHandler;
  unfinishedExecutions?: () => Promise<UnfinishedExecution[]>;
}

export interface FunctionRunnerOptions {
  region: string;
  /** Loads a function's module (a dynamic import of its entry file, `functionEntry` of `infra/service-functions.ts`). */
  load: (name: FunctionName) => Promise<FunctionModule>;
  /** Where a failed asynchronous invocation is reported (the local stand-in for a DLQ). */
  onAsyncFailure: (name: FunctionName, error: unknown, attempts: number) => void;
}

/**
 * Runs the service's Lambda handlers in this process the way Lambda would: a Lambda-like context
 * (request id, ARN, remaining time), synchronous or asynchronous invocation, and for asynchronous ones
 * two retries on failure. Durable functions run as durable executions under the SDK's local runner
 * (their steps retry and replay inside the execution; a failed execution is reported like a failed
 * asynchronous invocation). It tracks in-flight invocations so a shutdown can wait for them.
 */
export class FunctionRunner {
  private readonly modules = new Map<FunctionName, Promise<FunctionModule>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly durable: LocalDurableExecutions;

  constructor(private readonly options: FunctionRunnerOptions) {
    this.durable = new LocalDurableExecutions(options.region);
  }

  static isFunctionName(name: string): name is FunctionName {
    return (FUNCTION_NAMES as readonly string[]).includes(name);
  }

  static isDurable(name: FunctionName): boolean {
    return (DURABLE_FUNCTION_NAMES as readonly string[]).includes(name);
  }

  /**
   * Imports every handler now, so a broken module stops the stack at start rather than on first use,
   * and starts the durable runner's checkpoint worker.
   */
  async loadAll(): Promise<void> {
    await Promise.all(FUNCTION_NAMES.map((name) => this.module(name)));
    await this.durable.start();
  }

  /**
   * Starts again the executions each durable function reports unfinished (after a restart of the
   * local stack); returns how many were started.
   */
  async resumeUnfinished(): Promise<number> {
    let started = 0;
    for (const name of FUNCTION_NAMES.filter(FunctionRunner.isDurable)) {
      const module = await this.module(name);
      for (const execution of (await module.unfinishedExecutions?.()) ?? []) {
        this.invokeAsync(name, execution.payload, execution.name);
        started++;
      }
    }
    return started;
  }

  /** Runs the handler and returns its result (a `RequestResponse` invocation). */
  invoke(name: FunctionName, event: unknown): Promise<unknown> {
    if (FunctionRunner.isDurable(name)) {
      return this.startDurable(name, event).outcome.then((outcome) => {
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
   * retry policy. Returns the durable execution's ARN, if any.
   */
  invokeAsync(name: FunctionName, event: unknown, executionName?: string): string | undefined {
    if (FunctionRunner.isDurable(name)) {
      const execution = this.startDurable(name, event, executionName);
      if (execution.joined) return execution.arn;
      execution.outcome.then((outcome) => {
        if (outcome.error !== null) {
          this.options.onAsyncFailure(name, new Error(`execution ${outcome.status}: ${outcome.error}`), 1);
        }
      });
      return execution.arn;
    }
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
   * Stops retrying and waits up to `graceMs` for running invocations; returns how many were still
   * running when the grace period ended (a run left unfinished keeps the previous ranking).
   */
  async drain(graceMs: number): Promise<number> {
    this.abort.abort();
    const timeout = sleep(graceMs).then(() => 'timeout' as const);
    while (this.inFlight.size > 0) {
      const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      if (outcome === 'timeout') return this.inFlight.size;
    }
    await this.durable.stop();
    return 0;
  }

  private startDurable(name: FunctionName, event: unknown, executionName?: string) {
    const handler = this.module(name).then((module) => module.handler as DurableLambdaHandler);
    const execution = this.durable.run(name, handler, event, executionName);
    this.track(execution.outcome);
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
    const deadline = Date.now() + TIMEOUT_MS[name];
    const requestId = randomUUID();
    const unsupported = () => {
      throw new Error('Callback-style completion is not supported; return a promise.');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${name}`,
      memoryLimitInMB: String(MEMORY_MB[name]),
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
