import type { RetryDecision } from '@aws/durable-execution-sdk-js';
import { STEP_RETRY, type StepRetryPolicy, stepRetryStrategy } from '../step-retry.ts';

/**
 * The retry policy of every step of a run: the house's durable step policy {@link STEP_RETRY}
 * (`import-csv` retries with the same), which waits a throttled or unavailable table, bucket or event
 * bus out for 20 to 40 minutes. An aborted run (`RunAbortedError`), like any error no retry cures,
 * is not retried: the run fails at once with its reason.
 */
export const RESCORE_RETRY: StepRetryPolicy = STEP_RETRY;

/** The strategy the run's steps retry with: {@link RESCORE_RETRY}, with `overrides` (tests wait seconds). */
export function rescoreRetryStrategy(
  overrides: Partial<StepRetryPolicy> = {},
): (error: Error, attemptsMade: number) => RetryDecision {
  return stepRetryStrategy({ ...RESCORE_RETRY, ...overrides });
}
