import { DynamoDBServiceException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  isPermanentStepError,
  maxTotalWaitSeconds,
  minTotalWaitSeconds,
  retryWaitsSeconds,
  STEP_RETRY,
  stepRetryStrategy,
} from '#functions/step-retry.ts';

const throttled = () =>
  new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} });

describe('the step retry policy of both workflows (import-csv, rescore)', () => {
  it('waits out a throttled table for 20 to 40 minutes, 5 s growing to 5 minutes apart, before a step gives up', () => {
    expect(retryWaitsSeconds()).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300, 300, 300, 300, 300]);
    expect(maxTotalWaitSeconds()).toBe(2415);
    expect(minTotalWaitSeconds()).toBeGreaterThanOrEqual(20 * 60);
    // The SDK's strategy with this policy: every wait between half the nominal one and all of it.
    const strategy = stepRetryStrategy();
    let total = 0;
    for (let attempt = 1; attempt < STEP_RETRY.maxAttempts; attempt++) {
      const decision = strategy(throttled(), attempt);
      expect(decision.shouldRetry).toBe(true);
      const wait = decision.delay && 'seconds' in decision.delay ? (decision.delay.seconds ?? 0) : 0;
      const nominal = retryWaitsSeconds()[attempt - 1] as number;
      expect(wait).toBeGreaterThanOrEqual(Math.floor(nominal / 2));
      expect(wait).toBeLessThanOrEqual(nominal);
      total += wait;
    }
    expect(total).toBeGreaterThanOrEqual(minTotalWaitSeconds() - STEP_RETRY.maxAttempts);
    expect(strategy(throttled(), STEP_RETRY.maxAttempts)).toEqual({ shouldRetry: false });
  });

  it('retries what waiting can cure (throttling, lost connections, unknown errors), nothing else', () => {
    const strategy = stepRetryStrategy();
    const connection = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    for (const error of [throttled(), connection, new Error('simulated crash')]) {
      expect(isPermanentStepError(error)).toBe(false);
      expect(strategy(error, 1).shouldRetry).toBe(true);
    }
    // DynamoDB's verdict on an item, as the SDK throws it (a service exception named ValidationException).
    const tooLarge = new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      message: 'Item size has exceeded the maximum allowed size',
      $metadata: { httpStatusCode: 400 },
    });
    const aborted = Object.assign(new Error('run aborted'), { name: 'RunAbortedError' });
    for (const error of [tooLarge, aborted]) {
      expect(isPermanentStepError(error)).toBe(true);
      expect(strategy(error, 1)).toEqual({ shouldRetry: false });
    }
  });
});
