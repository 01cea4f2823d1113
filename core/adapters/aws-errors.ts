import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * Whether `error` means an AWS dependency (DynamoDB, S3, Lambda, EventBridge, Secrets Manager) is
 * throttled or unavailable, as the SDK's own retry strategy classifies it: throttling codes
 * (`ThrottlingException`, `ProvisionedThroughputExceededException`, `SlowDown`,
 * `TooManyRequestsException`, …), 5xx service errors, timeouts and connection failures. Such an error
 * reaching a caller has survived the client's retries; asking again later may succeed.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
}
