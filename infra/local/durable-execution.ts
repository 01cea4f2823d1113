import type {
  CheckpointDurableExecutionRequest,
  CheckpointDurableExecutionResponse,
} from '@aws/durable-execution-sdk-js';
import {
  applyUpdate,
  dueAt,
  fire,
  InvalidParameterValueError,
  type StoredOperation,
} from './durable-operations.ts';
import type { ExecutionHeader } from './durable-store.ts';

/** How a durable execution ended (`SUCCEEDED` / `FAILED`), its result or its error. */
export interface ExecutionOutcome {
  status: string;
  result: unknown;
  error: string | null;
}

/** The same execution name started again with another payload (Lambda's 409 of that case). */
export class DurableExecutionAlreadyStartedError extends Error {
  override readonly name = 'DurableExecutionAlreadyStartedException';
}

/** A request naming an execution the engine does not know (Lambda's `ResourceNotFoundException`). */
export class ExecutionNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
}

/** One execution as the engine runs it. */
export interface Execution {
  header: ExecutionHeader;
  executionId: string;
  operations: Map<string, StoredOperation>;
  /** Operations changed between invocations (a timer, a callback), not yet seen by the handler. */
  dirty: Set<string>;
  /** Operations a timer or a callback changed while the current invocation ran. */
  changedMeanwhile: Set<string>;
  /** The checkpoint token of the invocation running now. */
  token?: string;
  active: boolean;
  timer?: NodeJS.Timeout;
  outcome: Promise<ExecutionOutcome>;
  settle: (outcome: ExecutionOutcome) => void;
  finished: boolean;
}

const MAX_TIMER_MS = 6 * 60 * 60 * 1000;

/**
 * Sets the execution's one timer to its earliest due operation (a WAIT's end, a step retry, a
 * callback's deadline); when it rings, the operations due change (see `fire`) and `onFire` gets
 * their ids.
 */
export function armTimer(execution: Execution, onFire: (ids: string[]) => void): void {
  clearTimeout(execution.timer);
  execution.timer = undefined;
  if (execution.finished) return;
  const due = [...execution.operations.values()].map(dueAt).filter((at): at is number => at !== undefined);
  if (due.length === 0) return;
  const delay = Math.min(Math.max(0, Math.min(...due) - Date.now()), MAX_TIMER_MS);
  execution.timer = setTimeout(() => {
    const now = Date.now();
    const fired: string[] = [];
    for (const [id, stored] of execution.operations) {
      const at = dueAt(stored);
      if (at !== undefined && at <= now) {
        execution.operations.set(id, fire(stored, now));
        fired.push(id);
      }
    }
    // Rung early (a timer is capped at hours): set again for the rest.
    if (fired.length === 0) armTimer(execution, onFire);
    else onFire(fired);
  }, delay);
}

/**
 * Applies a `CheckpointDurableExecution` request to an execution: returns the ids it changed (to
 * persist before answering) and the answer, which carries the changed operations and those a
 * timer or a callback changed since the handler last heard.
 */
export function checkpoint(
  execution: Execution,
  params: CheckpointDurableExecutionRequest,
  callbackId: (operationId: string) => string,
): { changed: string[]; response: () => CheckpointDurableExecutionResponse } {
  const now = Date.now();
  const changed = new Set<string>();
  for (const original of params.Updates ?? []) {
    // An EXECUTION update is about the execution itself, whatever id it names.
    const update = original.Type === 'EXECUTION' ? { ...original, Id: execution.executionId } : original;
    const id = applyUpdate(execution.operations, update, now, callbackId);
    if (update.Type === 'EXECUTION') {
      const own = execution.operations.get(id) as StoredOperation;
      own.end = {
        ...(update.Payload !== undefined ? { result: update.Payload } : {}),
        ...(update.Error ? { error: update.Error } : {}),
      };
    }
    changed.add(id);
  }
  const response = () => {
    const returned = new Set([...changed, ...execution.dirty]);
    execution.dirty.clear();
    return {
      CheckpointToken: execution.token,
      NewExecutionState: {
        Operations: [...returned].flatMap((id) => {
          const stored = execution.operations.get(id);
          return stored ? [stored.op] : [];
        }),
      },
    };
  };
  return { changed: [...changed], response };
}

/** The execution a checkpoint names, if the token is its running invocation's (else Lambda's error). */
export function current(
  executions: Map<string, Execution>,
  arn: string | undefined,
  token: string | undefined,
): Execution {
  const execution = arn ? executions.get(arn) : undefined;
  if (!execution) throw new ExecutionNotFoundError(`No durable execution ${arn}.`);
  if (execution.finished || token === undefined || token !== execution.token) {
    throw new InvalidParameterValueError('Invalid checkpoint token');
  }
  return execution;
}

/** How an ended execution's EXECUTION operation reads as an outcome. */
export function outcomeOf(own: StoredOperation): ExecutionOutcome {
  const status = String(own.op.Status);
  if (status === 'SUCCEEDED') {
    return { status, result: parseResult(own.end?.result), error: null };
  }
  const error = own.end?.error;
  return { status, result: undefined, error: `${error?.ErrorType ?? 'Error'}: ${error?.ErrorMessage ?? ''}` };
}

/** A result as the default serdes wrote it (JSON), or its text when a custom serdes did not. */
function parseResult(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The function and execution name of an ARN this engine made. */
export function parseArn(arn: string): { functionName: string; name: string } | undefined {
  const match = /^arn:aws:lambda:[^:]*:\d+:function:([^:]+):live\/durable-execution\/(.+)$/.exec(arn);
  if (!match?.[1] || !match[2]) return undefined;
  return { functionName: match[1], name: decodeURIComponent(match[2]) };
}
