import type { ErrorObject } from '@aws/durable-execution-sdk-js';
import type { Execution } from './durable-execution.ts';
import { completeCallback, InvalidParameterValueError } from './durable-operations.ts';

/**
 * A callback that has already completed or timed out (Lambda's `CallbackTimeoutException`, 400:
 * "the callback ID token has either expired or the callback associated with the token has already
 * been closed").
 */
export class CallbackClosedError extends Error {
  override readonly name = 'CallbackTimeoutException';
}

/** A well-formed callback id no execution knows (Lambda's `ResourceNotFoundException`, 404). */
export class CallbackNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
}

/** What the callbacks need from the engine. */
export interface CallbackHost {
  /** The execution of an ARN, when this process runs it. */
  execution(arn: string): Execution | undefined;
  /** Whether an execution of that ARN exists at all (ended ones included). */
  isKnown(arn: string): Promise<boolean>;
  /** Persists the changed operations; `wake` invokes the execution again to see them. */
  changed(execution: Execution, ids: string[], wake: boolean): Promise<void>;
}

/** How an external system ends a callback: `SendDurableExecutionCallbackSuccess` or `…Failure`. */
export type CallbackCompletion = { result: string } | { error: ErrorObject };

/** Lambda's pattern for callback ids (standard base64). */
const CALLBACK_ID = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The callbacks of the local durable executions (`context.waitForCallback`,
 * `context.createCallback`): the ids handed to the submitter, and their completion, failure and
 * heartbeat as the Lambda API's `SendDurableExecutionCallback*` calls deliver them. An id names
 * its execution and operation, so it stays valid across restarts of the stack.
 */
export class DurableCallbacks {
  constructor(private readonly host: CallbackHost) {}

  /** The callback id of a CALLBACK operation of an execution. */
  idOf(arn: string, operationId: string): string {
    return Buffer.from(JSON.stringify([arn, operationId])).toString('base64');
  }

  /** Completes a pending callback; the execution is invoked again to go on. */
  async complete(callbackId: string, completion: CallbackCompletion): Promise<void> {
    const { execution, operationId } = await this.pending(callbackId);
    const stored = execution.operations.get(operationId);
    if (!stored) throw new CallbackNotFoundError(`No callback ${callbackId}.`);
    const now = Date.now();
    const completed =
      'result' in completion
        ? completeCallback(stored, 'SUCCEEDED', now, { result: completion.result })
        : completeCallback(stored, 'FAILED', now, { error: completion.error });
    execution.operations.set(operationId, completed);
    await this.host.changed(execution, [operationId], true);
  }

  /** Records a heartbeat: a callback with a heartbeat timeout gets that long again. */
  async heartbeat(callbackId: string): Promise<void> {
    const { execution, operationId } = await this.pending(callbackId);
    const stored = execution.operations.get(operationId);
    if (!stored?.callback?.heartbeatSeconds) return;
    stored.callback.heartbeatAt = Date.now() + stored.callback.heartbeatSeconds * 1000;
    await this.host.changed(execution, [operationId], false);
  }

  /** The running execution and the STARTED callback operation an id names, or Lambda's error. */
  private async pending(callbackId: string): Promise<{ execution: Execution; operationId: string }> {
    const [arn, operationId] = decode(callbackId);
    const execution = this.host.execution(arn);
    const stored = execution?.operations.get(operationId);
    if (!execution || execution.finished || !stored) {
      if (execution || (await this.host.isKnown(arn))) {
        if (!stored && execution && !execution.finished) {
          throw new CallbackNotFoundError(`No callback ${callbackId} in execution ${arn}.`);
        }
        throw new CallbackClosedError(`Callback ${callbackId} is closed: its execution has ended.`);
      }
      throw new CallbackNotFoundError(`No durable execution has callback ${callbackId}.`);
    }
    if (stored.op.Type !== 'CALLBACK') throw new CallbackNotFoundError(`No callback ${callbackId}.`);
    if (stored.op.Status !== 'STARTED') {
      throw new CallbackClosedError(
        `Callback ${callbackId} is closed (${String(stored.op.Status).toLowerCase()}); it can be completed only once, before its timeout.`,
      );
    }
    return { execution, operationId };
  }
}

function decode(callbackId: string): [string, string] {
  if (callbackId.length > 1024 || !CALLBACK_ID.test(callbackId)) {
    throw new InvalidParameterValueError(
      'CallbackId must be base64, 1 to 1024 characters, as Lambda gave it.',
    );
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(callbackId, 'base64').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) {
      return parsed as [string, string];
    }
  } catch {
    // Not one of ours: answered below.
  }
  throw new CallbackNotFoundError(`No durable execution has callback ${callbackId}.`);
}
