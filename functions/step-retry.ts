import {
  createRetryStrategy,
  JitterStrategy,
  type RetryDecision,
  type RetryStrategyConfig,
} from '@aws/durable-execution-sdk-js';
import { isDependencyUnavailable } from '#core/adapters/aws-errors.ts';

/**
 * The house's durable step retry policy, which each workflow names beside its handler
 * (`RESCORE_RETRY` in `rescore/retry.ts`, `IMPORT_RETRY` in `import-csv/retry.ts`): a step
 * that fails with an error retrying can cure (a throttled or unavailable table, bucket or function
 * past the SDK client's own retries, a lost connection, anything unknown) waits and runs again,
 * 5 s, 10 s, 20 s, … doubling up to 5 minutes between attempts, with half jitter, for 14 attempts:
 * between {@link minTotalWaitSeconds} (20 minutes) and {@link maxTotalWaitSeconds} (40 minutes) of
 * waiting before the step gives up. A durable wait costs nothing (the function is not running), so
 * a throttled table is waited out rather than ending an import or a run in seconds. An error
 * retrying cannot cure ({@link isPermanentStepError}) ends the step at once, with its reason.
 */
export const STEP_RETRY: StepRetryPolicy = {
  maxAttempts: 14,
  initialDelay: { seconds: 5 },
  maxDelay: { minutes: 5 },
  backoffRate: 2,
  jitter: JitterStrategy.HALF,
};

/** A step retry policy: the durable SDK's exponential strategy settings, every field given. */
export type StepRetryPolicy = Required<
  Pick<RetryStrategyConfig, 'maxAttempts' | 'initialDelay' | 'maxDelay' | 'backoffRate' | 'jitter'>
>;

/**
 * Names of errors that no retry cures: the request itself is wrong (DynamoDB's verdict on an item,
 * a missing table or function, denied access, a malformed request), or the workflow decided to stop
 * (`RunAbortedError`) or found state it must not touch (`ImportKeyMismatchError`).
 */
const PERMANENT_ERRORS = new Set([
  'RunAbortedError',
  'ImportKeyMismatchError',
  'ValidationException',
  'ValidationError',
  'SerializationException',
  'ResourceNotFoundException',
  'NoSuchBucket',
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidParameterValueException',
  'ItemCollectionSizeLimitExceededException',
]);

/** Whether retrying `error` later cannot make the step succeed: the step then fails at once. */
export function isPermanentStepError(error: Error): boolean {
  return PERMANENT_ERRORS.has(error.name) && !isDependencyUnavailable(error);
}

/** The durable step retry strategy of `policy`: its backoff for curable errors, none for permanent ones. */
export function stepRetryStrategy(
  policy: StepRetryPolicy = STEP_RETRY,
): (error: Error, attemptsMade: number) => RetryDecision {
  const backoff = createRetryStrategy(policy);
  return (error, attemptsMade) =>
    isPermanentStepError(error) ? { shouldRetry: false } : backoff(error, attemptsMade);
}

function seconds(duration: StepRetryPolicy['initialDelay']): number {
  const { days = 0, hours = 0, minutes = 0, seconds = 0 } = duration as Partial<Record<string, number>>;
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

/** The waits between the attempts of `policy` before jitter (the longest each can be), in seconds. */
export function retryWaitsSeconds(policy: StepRetryPolicy = STEP_RETRY): number[] {
  return Array.from({ length: policy.maxAttempts - 1 }, (_, i) =>
    Math.min(seconds(policy.initialDelay) * policy.backoffRate ** i, seconds(policy.maxDelay)),
  );
}

/** The longest a step can wait in all before it gives up, in seconds. */
export function maxTotalWaitSeconds(policy: StepRetryPolicy = STEP_RETRY): number {
  return retryWaitsSeconds(policy).reduce((sum, wait) => sum + wait, 0);
}

/** The shortest a step waits in all before it gives up (half jitter halves each wait at most), in seconds. */
export function minTotalWaitSeconds(policy: StepRetryPolicy = STEP_RETRY): number {
  const share = policy.jitter === JitterStrategy.HALF ? 0.5 : policy.jitter === JitterStrategy.NONE ? 1 : 0;
  return retryWaitsSeconds(policy).reduce((sum, wait) => sum + Math.max(1, wait * share), 0);
}
