import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DurableExecutionClient,
  type DurableExecutionInvocationInput,
  DurableExecutionInvocationInputWithClient,
  type DurableExecutionInvocationOutput,
  type ErrorObject,
} from '@aws/durable-execution-sdk-js';
import { staleTokenTolerant } from '#functions/durable.ts';
import { DurableCallbacks } from './durable-callbacks.ts';
import {
  armTimer,
  checkpoint,
  current,
  DurableExecutionAlreadyStartedError,
  type Execution,
  type ExecutionOutcome,
  outcomeOf,
  parseArn,
} from './durable-execution.ts';
import { isTerminal, isWaiting, type StoredOperation, visibleOperations } from './durable-operations.ts';
import { DurableExecutionStore, type ExecutionHeader, type StoredExecution } from './durable-store.ts';

/** What the engine needs from the stack. */
export interface DurableEngineOptions {
  region: string;
  /** Where executions are kept (`DATA_DIR/durable-executions`). */
  dir: string;
  /** One Lambda invocation of a durable function's handler. */
  invoke: (
    functionName: string,
    event: DurableExecutionInvocationInput,
  ) => Promise<DurableExecutionInvocationOutput>;
  /** Delays before an invocation that threw is made again; once they are spent the execution fails. */
  invocationRetryDelaysMs?: number[];
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];

/**
 * The local durable execution service: the part of Lambda that keeps a durable function's
 * executions. It invokes the handler (wrapped by `withDurableExecution`) with
 * `{DurableExecutionArn, CheckpointToken, InitialExecutionState}` and serves its
 * `CheckpointDurableExecution` and `GetDurableExecutionState` calls, keeping every operation under
 * `DATA_DIR` ({@link DurableExecutionStore}) before it answers. When an invocation returns PENDING
 * the execution sleeps until its earliest timer is due (a WAIT's end, a step retry, a callback's
 * timeout) or a callback arrives, then the handler is invoked again and replays from its
 * checkpoints. At start ({@link resume}) every execution a previous process left unfinished is
 * invoked again, as Lambda does after a crash. Names dedupe as `Invoke`'s `DurableExecutionName`:
 * the same name and payload join the execution (running or ended), another payload is refused.
 *
 * The handler gets the engine's transport through the SDK's event channel (as the SDK's own test
 * runner gives its transport), wrapped by the same stale-token correction as on AWS.
 */
export class DurableEngine {
  private readonly store: DurableExecutionStore;
  private readonly executions = new Map<string, Execution>();
  private readonly starting = new Map<string, Promise<Execution>>();
  private readonly client: DurableExecutionClient;
  /** Callbacks of the executions (`SendDurableExecutionCallback*`). */
  readonly callbacks: DurableCallbacks;
  private stopped = false;

  constructor(private readonly options: DurableEngineOptions) {
    this.store = new DurableExecutionStore(options.dir);
    this.client = staleTokenTolerant({
      checkpoint: async (params) => {
        const execution = current(this.executions, params.DurableExecutionArn, params.CheckpointToken);
        const { changed, response } = checkpoint(execution, params, (id) =>
          this.callbacks.idOf(execution.header.arn, id),
        );
        if (changed.length > 0) await this.changed(execution, changed, false);
        return response();
      },
      getExecutionState: async (params) => {
        const execution = current(this.executions, params.DurableExecutionArn, params.CheckpointToken);
        return { Operations: visibleOperations(execution.operations) };
      },
    });
    this.callbacks = new DurableCallbacks({
      execution: (arn) => this.executions.get(arn),
      isKnown: async (arn) => {
        const parsed = parseArn(arn);
        return (
          parsed !== undefined && (await this.store.find(parsed.functionName, parsed.name)) !== undefined
        );
      },
      changed: (execution, ids, persist) => this.changed(execution, ids, persist),
    });
  }

  /** Loads every unfinished execution and invokes it again; returns how many there were. */
  async resume(): Promise<number> {
    const stored = await this.store.running();
    for (const found of stored) {
      if (this.executions.has(found.header.arn)) continue;
      const execution = this.track(found);
      const own = execution.operations.get(execution.executionId);
      if (own && isTerminal(own.op.Status)) {
        // Killed between its last state and the move to `done/`.
        await this.settle(execution, own);
        continue;
      }
      // Timers due while the stack was down fire now.
      this.arm(execution);
      void this.drive(execution);
    }
    return stored.length;
  }

  /**
   * Starts an execution of `functionName` named `name` (a new id when none is given), or joins
   * the one of that name when its payload is the same; returns its ARN and a promise of its end.
   */
  async start(
    functionName: string,
    payload: unknown,
    name: string = randomUUID(),
  ): Promise<{ arn: string; outcome: Promise<ExecutionOutcome>; joined: boolean }> {
    const text = JSON.stringify(payload ?? {});
    const key = `${functionName}/${name}`;
    let created = false;
    let pending = this.starting.get(key);
    if (!pending) {
      pending = (async () => {
        const known = [...this.executions.values()].find(
          (e) => e.header.functionName === functionName && e.header.name === name,
        );
        if (known) return known;
        const stored = await this.store.find(functionName, name);
        if (stored) {
          const execution = this.track(stored);
          const own = execution.operations.get(execution.executionId);
          if (own && isTerminal(own.op.Status)) {
            execution.settle(outcomeOf(own));
          } else {
            this.arm(execution);
            void this.drive(execution);
          }
          return execution;
        }
        created = true;
        return this.create(functionName, name, text);
      })();
      this.starting.set(key, pending);
      pending.finally(() => this.starting.delete(key)).catch(() => undefined);
    }
    const execution = await pending;
    if (execution.header.payload !== text) {
      throw new DurableExecutionAlreadyStartedError(
        `Execution ${name} of ${functionName} was started with another payload; use another name.`,
      );
    }
    if (created) void this.drive(execution);
    return { arn: execution.header.arn, outcome: execution.outcome, joined: !created };
  }

  /** Stops invoking and clears every timer (the executions stay on disk, resumed at the next start). */
  stop(): void {
    this.stopped = true;
    for (const execution of this.executions.values()) clearTimeout(execution.timer);
  }

  private async create(functionName: string, name: string, payload: string): Promise<Execution> {
    const { region } = this.options;
    const header: ExecutionHeader = {
      arn: `arn:aws:lambda:${region}:000000000000:function:${functionName}:live/durable-execution/${encodeURIComponent(name)}`,
      functionName,
      name,
      payload,
      startedAt: new Date().toISOString(),
    };
    const executionId = randomUUID();
    const own: StoredOperation = {
      op: {
        Id: executionId,
        Type: 'EXECUTION',
        Status: 'STARTED',
        StartTimestamp: header.startedAt,
        ExecutionDetails: { InputPayload: payload },
      },
    };
    await this.store.create(header, [own]);
    return this.track({ header, operations: new Map([[executionId, own]]) });
  }

  private track(stored: StoredExecution): Execution {
    let settle!: (outcome: ExecutionOutcome) => void;
    const outcome = new Promise<ExecutionOutcome>((resolve) => {
      settle = resolve;
    });
    const own = [...stored.operations.values()].find((s) => s.op.Type === 'EXECUTION');
    const execution: Execution = {
      header: stored.header,
      executionId: own?.op.Id ?? '',
      operations: stored.operations,
      dirty: new Set(),
      changedMeanwhile: new Set(),
      active: false,
      outcome,
      settle: (value) => {
        // An ended execution is read from disk again when its name is started or its callback used.
        execution.finished = true;
        this.executions.delete(stored.header.arn);
        settle(value);
      },
      finished: false,
    };
    this.executions.set(stored.header.arn, execution);
    return execution;
  }

  /** Invokes the handler until the execution ends or waits for a timer or a callback. */
  private async drive(execution: Execution): Promise<void> {
    if (execution.active || execution.finished || this.stopped) return;
    execution.active = true;
    const delays = this.options.invocationRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    let failures = 0;
    try {
      while (!this.stopped && !execution.finished) {
        execution.token = randomUUID();
        const event = new DurableExecutionInvocationInputWithClient(
          {
            DurableExecutionArn: execution.header.arn,
            CheckpointToken: execution.token,
            InitialExecutionState: { Operations: visibleOperations(execution.operations) },
          },
          this.client,
        );
        Object.assign(event, { UpdatedOperationIds: [...execution.dirty] });
        execution.dirty.clear();
        execution.changedMeanwhile.clear();
        let output: DurableExecutionInvocationOutput;
        try {
          output = await this.options.invoke(execution.header.functionName, event);
        } catch (error) {
          execution.token = undefined;
          const delay = delays[failures++];
          if (delay === undefined) {
            const message = error instanceof Error ? error.message : String(error);
            await this.end(execution, 'FAILED', {
              error: { ErrorType: 'InvocationError', ErrorMessage: message },
            });
            return;
          }
          await sleep(delay);
          continue;
        }
        execution.token = undefined;
        failures = 0;
        const own = execution.operations.get(execution.executionId);
        if (own && isTerminal(own.op.Status)) {
          // Ended by an EXECUTION checkpoint (a result too large for the response).
          await this.end(execution, own.op.Status as string, own.end ?? {});
        } else if (output.Status === 'SUCCEEDED') {
          await this.end(execution, 'SUCCEEDED', { result: output.Result });
        } else if (output.Status === 'FAILED') {
          await this.end(execution, 'FAILED', { error: output.Error });
        } else if (execution.dirty.size === 0 && execution.changedMeanwhile.size === 0) {
          // PENDING, and nothing changed that this invocation may have seen too late to act on.
          if (![...execution.operations.values()].some(isWaiting)) {
            const message = 'Cannot return PENDING status with no pending operations.';
            await this.end(execution, 'FAILED', {
              error: { ErrorType: 'InvalidParameterValueException', ErrorMessage: message },
            });
          }
          return;
        }
      }
    } finally {
      execution.active = false;
    }
  }

  private async end(
    execution: Execution,
    status: string,
    end: { result?: string; error?: ErrorObject },
  ): Promise<void> {
    const own = execution.operations.get(execution.executionId) as StoredOperation;
    const ended: StoredOperation = {
      op: {
        ...own.op,
        Status: status as StoredOperation['op']['Status'],
        EndTimestamp: new Date().toISOString(),
      },
      end,
    };
    execution.operations.set(execution.executionId, ended);
    await this.store.append(execution.header, [ended]);
    await this.settle(execution, ended);
  }

  private async settle(execution: Execution, own: StoredOperation): Promise<void> {
    clearTimeout(execution.timer);
    await this.store.finish(execution.header);
    execution.settle(outcomeOf(own));
  }

  /**
   * Persists changed operations and re-arms the timer; when they are news for the handler (`wake`:
   * a timer or a callback changed them) marks them first, then invokes the execution again.
   */
  private async changed(execution: Execution, ids: string[], wake: boolean): Promise<void> {
    if (wake) {
      for (const id of ids) {
        execution.dirty.add(id);
        execution.changedMeanwhile.add(id);
      }
    }
    const changed = ids.map((id) => execution.operations.get(id)).filter((s) => s !== undefined);
    await this.store.append(execution.header, changed);
    this.arm(execution);
    if (wake) void this.drive(execution);
  }

  /** Sets the execution's one timer to its earliest due operation; what falls due wakes it. */
  private arm(execution: Execution): void {
    if (this.stopped) return;
    armTimer(execution, (fired) =>
      this.changed(execution, fired, true).catch((error: unknown) => {
        console.error(`durable engine: ${execution.header.arn}: could not keep a timer's change`, error);
      }),
    );
  }
}
