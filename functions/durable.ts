import {
  DurableExecutionApiClient,
  type DurableExecutionClient,
  DurableExecutionClientError,
  DurableExecutionClientErrorScope,
  type DurableExecutionHandler,
  type DurableLambdaHandler,
  withDurableExecution,
} from '@aws/durable-execution-sdk-js';

/**
 * `withDurableExecution` with the SDK's own Lambda transport, corrected for SDK issue #917: the
 * pinned release (2.4.0, the newest on npm) matches a stale checkpoint token by the message prefix
 * `Invalid Checkpoint Token`, while Lambda answers `Invalid checkpoint token`, so a token made
 * stale by a newer invocation fails the WHOLE execution instead of only this invocation. The fix
 * (PR #920) is merged but unreleased; until it ships, this transport classifies that error itself
 * as an invocation failure (Lambda re-invokes with a fresh token and the execution replays on).
 * Every other error passes through unwrapped, so the SDK's own classification still applies.
 *
 * Under a local runner (the local stack's durable engine, the SDK's test runner) the runner injects
 * its own transport through the invocation event, which takes precedence over this one.
 */
export function durableHandler<TEvent, TResult>(
  handler: DurableExecutionHandler<TEvent, TResult>,
): DurableLambdaHandler {
  return withDurableExecution(handler, {
    durableExecutionClient: staleTokenTolerant(new DurableExecutionApiClient()),
  });
}

/** Wraps a transport so the stale-checkpoint-token rejection ends only the invocation (#917). */
export function staleTokenTolerant(client: DurableExecutionClient): DurableExecutionClient {
  return {
    getExecutionState: (params, logger) => client.getExecutionState(params, logger),
    checkpoint: async (params, logger) => {
      try {
        return await client.checkpoint(params, logger);
      } catch (error) {
        if (isStaleCheckpointToken(error)) {
          throw new DurableExecutionClientError(`Checkpoint failed: ${(error as Error).message}`, {
            scope: DurableExecutionClientErrorScope.INVOCATION,
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

/** Lambda's answer to a checkpoint with a token a newer invocation superseded. */
export function isStaleCheckpointToken(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'InvalidParameterValueException' && /^invalid checkpoint token/i.test(error.message);
}
