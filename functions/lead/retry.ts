import { STEP_RETRY, type StepRetryPolicy } from '../step-retry.ts';

/**
 * The lead workflow's step retry policy: the house policy (a throttled or unavailable table is
 * waited out, 5 s doubling to 5 minutes, 14 attempts; permanent errors end the step at once). A lead
 * that waits on a throttled table is late, never lost: its decision is idempotent per attempt.
 */
export const LEAD_STEP_RETRY: StepRetryPolicy = STEP_RETRY;
