import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';

/** The Lambda functions of the service, by the name their entry file has under `functions/`. */
export const FUNCTION_NAMES = ['ingest-api', 'query-api', 'import-csv', 'rescore'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Timeouts as the CDK stack gives them, so `getRemainingTimeInMillis` means the same thing locally. */
const TIMEOUT_MS: Record<FunctionName, number> = {
  'ingest-api': 29_000,
  'query-api': 29_000,
  'import-csv': 900_000,
  rescore: 900_000,
};

const MEMORY_MB: Record<FunctionName, number> = {
  'ingest-api': 1024,
  'query-api': 1024,
  'import-csv': 1769,
  rescore: 1769,
};

// Lambda retries a failed asynchronous invocation twice; the delays are shortened locally.
const ASYNC_RETRY_DELAYS_MS = [1_000, 2_000];

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface FunctionRunnerOptions {
  region: string;
  /** Loads a function's module (a dynamic import of `functions/<name>.ts`). */
  load: (name: FunctionName) => Promise<{ handler: LambdaHandler }>;
  /** Where a failed asynchronous invocation is reported (the local stand-in for a DLQ). */
  onAsyncFailure: (name: FunctionName, error: unknown, attempts: number) => void;
}

/**
 * Runs the service's Lambda handlers in this process the way Lambda would: a Lambda-like context
 * (request id, ARN, remaining time), synchronous or asynchronous invocation, and for asynchronous ones
 * two retries on failure. It tracks in-flight invocations so a shutdown can wait for them.
 */
export class FunctionRunner {
  private readonly handlers = new Map<FunctionName, Promise<LambdaHandler>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: FunctionRunnerOptions) {}

  static isFunctionName(name: string): name is FunctionName {
    return (FUNCTION_NAMES as readonly string[]).includes(name);
  }

  /** Imports every handler now, so a broken module stops the stack at start rather than on first use. */
  async loadAll(): Promise<void> {
    await Promise.all(FUNCTION_NAMES.map((name) => this.handler(name)));
  }

  /** Runs the handler and returns its result (a `RequestResponse` invocation). */
  invoke(name: FunctionName, event: unknown): Promise<unknown> {
    const run = this.handler(name).then((handler) => handler(event, this.context(name)));
    return this.track(run);
  }

  /** Starts the handler in the background with Lambda's retry policy (an `Event` invocation). */
  invokeAsync(name: FunctionName, event: unknown): void {
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
    return 0;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const remove = () => this.inFlight.delete(promise);
    promise.then(remove, remove);
    return promise;
  }

  private handler(name: FunctionName): Promise<LambdaHandler> {
    let handler = this.handlers.get(name);
    if (!handler) {
      handler = this.options.load(name).then((module) => {
        if (typeof module.handler !== 'function') {
          throw new Error(`functions/${name}.ts does not export a handler function`);
        }
        return module.handler;
      });
      this.handlers.set(name, handler);
    }
    return handler;
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
