import type { ErrorObject, OperationUpdate, WireOperation } from '@aws/durable-execution-sdk-js';

/** The deadlines of a pending callback, kept beside its operation (Lambda keeps them server side). */
export interface CallbackClock {
  /** When the callback times out (`CallbackOptions.TimeoutSeconds` after it started), epoch ms. */
  timeoutAt?: number;
  /** The heartbeat timeout, seconds; each heartbeat moves {@link heartbeatAt} this far on. */
  heartbeatSeconds?: number;
  heartbeatAt?: number;
}

/** One operation of an execution as the engine keeps it: the wire operation and its callback clock. */
export interface StoredOperation {
  op: WireOperation;
  callback?: CallbackClock;
  /** The EXECUTION operation's end: its result (JSON text) or error. */
  end?: { result?: string; error?: ErrorObject };
}

/** A checkpoint update the service refuses (Lambda's `InvalidParameterValueException`). */
export class InvalidParameterValueError extends Error {
  override readonly name = 'InvalidParameterValueException';
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'STOPPED', 'TIMED_OUT']);

/** Whether an operation's status is final. */
export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL.has(status);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Applies one `CheckpointDurableExecution` update to the operations of an execution, as the
 * durable service does: a new operation starts (a WAIT gets its end, a CALLBACK its id and
 * deadlines, a STEP retry its next attempt), an existing one succeeds, fails, is scheduled for a
 * retry or is cancelled. Returns the changed operation's id. `callbackId` names a new callback.
 */
export function applyUpdate(
  operations: Map<string, StoredOperation>,
  update: OperationUpdate,
  now: number,
  callbackId: (operationId: string) => string,
): string {
  if (!update.Id || !update.Type || !update.Action) {
    throw new InvalidParameterValueError('An operation update needs Id, Type and Action.');
  }
  const existing = operations.get(update.Id);
  if (existing) {
    operations.set(update.Id, { ...existing, op: advance(existing.op, update, now) });
    return update.Id;
  }
  const op: WireOperation = {
    Id: update.Id,
    ...(update.ParentId ? { ParentId: update.ParentId } : {}),
    ...(update.Name ? { Name: update.Name } : {}),
    Type: update.Type,
    ...(update.SubType ? { SubType: update.SubType } : {}),
    StartTimestamp: iso(now),
    Status: 'STARTED',
  };
  const stored: StoredOperation = { op };
  switch (update.Type) {
    case 'WAIT':
      op.WaitDetails = { ScheduledEndTimestamp: iso(now + (update.WaitOptions?.WaitSeconds ?? 0) * 1000) };
      break;
    case 'CALLBACK': {
      op.CallbackDetails = { CallbackId: callbackId(update.Id) };
      const { TimeoutSeconds, HeartbeatTimeoutSeconds } = update.CallbackOptions ?? {};
      stored.callback = {
        ...(TimeoutSeconds ? { timeoutAt: now + TimeoutSeconds * 1000 } : {}),
        ...(HeartbeatTimeoutSeconds
          ? { heartbeatSeconds: HeartbeatTimeoutSeconds, heartbeatAt: now + HeartbeatTimeoutSeconds * 1000 }
          : {}),
      };
      break;
    }
    case 'CONTEXT':
      op.ContextDetails = { ReplayChildren: update.ContextOptions?.ReplayChildren };
      break;
  }
  operations.set(update.Id, { ...stored, op: update.Action === 'START' ? op : advance(op, update, now) });
  return update.Id;
}

/** An existing operation after an update (SUCCEED, FAIL, RETRY, START again, CANCEL). */
function advance(previous: WireOperation, update: OperationUpdate, now: number): WireOperation {
  const op: WireOperation = { ...previous };
  const end = () => {
    op.EndTimestamp = iso(now);
  };
  switch (update.Action) {
    case 'SUCCEED':
      op.Status = 'SUCCEEDED';
      end();
      break;
    case 'FAIL':
      op.Status = 'FAILED';
      end();
      break;
    case 'CANCEL':
      op.Status = 'CANCELLED';
      end();
      break;
    case 'START':
      op.Status = 'STARTED';
      break;
    case 'RETRY':
      op.Status = 'PENDING';
      break;
  }
  switch (op.Type) {
    case 'STEP': {
      const attempt = previous.StepDetails?.Attempt ?? 0;
      const counted = update.Action === 'SUCCEED' || update.Action === 'FAIL' || update.Action === 'RETRY';
      op.StepDetails = {
        ...previous.StepDetails,
        Attempt: counted ? attempt + 1 : attempt,
        Result: update.Payload,
        Error: update.Error,
        ...(update.Action === 'RETRY'
          ? { NextAttemptTimestamp: iso(now + (update.StepOptions?.NextAttemptDelaySeconds ?? 0) * 1000) }
          : {}),
      };
      break;
    }
    case 'CONTEXT':
      op.ContextDetails = {
        ...previous.ContextDetails,
        Result: update.Payload,
        Error: update.Error,
        ReplayChildren: update.ContextOptions?.ReplayChildren ?? previous.ContextDetails?.ReplayChildren,
      };
      break;
    case 'EXECUTION':
      op.ExecutionDetails = { ...previous.ExecutionDetails };
      break;
  }
  return op;
}

/** A callback's completion: its result or error, as `SendDurableExecutionCallback*` or a timeout gives it. */
export function completeCallback(
  stored: StoredOperation,
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT',
  now: number,
  outcome: { result?: string; error?: ErrorObject },
): StoredOperation {
  const { callback: _, ...rest } = stored;
  return {
    ...rest,
    op: {
      ...stored.op,
      Status: status,
      EndTimestamp: iso(now),
      CallbackDetails: {
        ...stored.op.CallbackDetails,
        ...(outcome.result !== undefined ? { Result: outcome.result } : {}),
        ...(outcome.error ? { Error: outcome.error } : {}),
      },
    },
  };
}

/** When an operation next changes by itself (a WAIT ends, a STEP retry is due, a CALLBACK times out). */
export function dueAt(stored: StoredOperation): number | undefined {
  const { op } = stored;
  if (op.Type === 'WAIT' && op.Status === 'STARTED') return time(op.WaitDetails?.ScheduledEndTimestamp);
  if (op.Type === 'STEP' && op.Status === 'PENDING') return time(op.StepDetails?.NextAttemptTimestamp);
  if (op.Type === 'CALLBACK' && op.Status === 'STARTED' && stored.callback) {
    const { timeoutAt, heartbeatAt } = stored.callback;
    const deadlines = [timeoutAt, heartbeatAt].filter((at): at is number => at !== undefined);
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }
  return undefined;
}

/** The operation once its time has come: the WAIT succeeded, the STEP ready, the CALLBACK timed out. */
export function fire(stored: StoredOperation, now: number): StoredOperation {
  const { op } = stored;
  if (op.Type === 'WAIT') return { op: { ...op, Status: 'SUCCEEDED', EndTimestamp: iso(now) } };
  if (op.Type === 'STEP') return { op: { ...op, Status: 'READY' } };
  const heartbeat = stored.callback?.heartbeatAt !== undefined && stored.callback.heartbeatAt <= now;
  return completeCallback(stored, 'TIMED_OUT', now, {
    error: { ErrorMessage: heartbeat ? 'Callback timed out on heartbeat' : 'Callback timed out' },
  });
}

/** Whether an execution that returned PENDING has anything to wait for. */
export function isWaiting(stored: StoredOperation): boolean {
  const { op } = stored;
  return (op.Type === 'CALLBACK' && op.Status === 'STARTED') || dueAt(stored) !== undefined;
}

function time(value: WireOperation['StartTimestamp']): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The operations an invocation sees, as the service hands them over: the children of a finished
 * CONTEXT are left out unless it replays its children (nor are their own children given).
 */
export function visibleOperations(operations: Map<string, StoredOperation>): WireOperation[] {
  const hidden = new Set<string>();
  const visible: WireOperation[] = [];
  for (const { op } of operations.values()) {
    const parent = op.ParentId ? operations.get(op.ParentId)?.op : undefined;
    if (
      op.Id &&
      op.ParentId &&
      (hidden.has(op.ParentId) ||
        (parent?.Type === 'CONTEXT' &&
          (parent.Status === 'SUCCEEDED' || parent.Status === 'FAILED') &&
          !parent.ContextDetails?.ReplayChildren))
    ) {
      hidden.add(op.Id);
      continue;
    }
    visible.push(op);
  }
  return visible;
}
