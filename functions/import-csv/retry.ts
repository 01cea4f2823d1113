import type { RetryDecision } from '@aws/durable-execution-sdk-js';
import { STEP_RETRY, type StepRetryPolicy, stepRetryStrategy } from '../step-retry.ts';

/**
 * The retry policy of every step of an import: the house's durable step policy {@link STEP_RETRY}
 * (`rescore` retries with the same), which waits a throttled or unavailable table or bucket out for
 * 20 to 40 minutes. An error no retry cures (DynamoDB refusing a request, a missing table, denied
 * access, `ImportKeyMismatchError`) is not retried: the import fails at once with its reason.
 */
export const IMPORT_RETRY: StepRetryPolicy = STEP_RETRY;

/** The strategy the import's steps retry with: {@link IMPORT_RETRY}, with `overrides` (tests wait seconds). */
export function importRetryStrategy(
  overrides: Partial<StepRetryPolicy> = {},
): (error: Error, attemptsMade: number) => RetryDecision {
  return stepRetryStrategy({ ...IMPORT_RETRY, ...overrides });
}
