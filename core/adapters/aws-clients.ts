import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

export interface ClientOptions {
  /** Endpoint override (local servers, tests); otherwise the SDK's own resolution applies. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Retry attempts for throttling and transient errors (SDK standard retry with backoff). */
  maxAttempts?: number;
  /**
   * Retries without the SDK's retry quota ({@link UnmeteredRetryStrategy}): for the durable workers,
   * whose callers wait for no answer, so a throttled table is waited out call by call.
   */
  unmetered?: boolean;
}

/**
 * The SDK standard mode's retries (throttling and transient errors, `maxAttempts` in all,
 * exponential backoff with full jitter from 100 ms, at most 20 s apart) without its retry quota.
 * The quota (500 tokens, 5 per throttled retry, refilled only by successes) exists so that
 * interactive callers fail fast during an outage; under sustained throttling it drains within a
 * few hundred calls and every call after that gets no retry at all, so an import chunk of thousands
 * of writes could not succeed however long its step waited. Workers wait instead.
 */
export class UnmeteredRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  constructor(
    private readonly maxAttempts: number,
    private readonly baseDelayMs = 100,
    private readonly maxDelayMs = 20_000,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return retryToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const retry = token.getRetryCount() + 1;
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || retry >= this.maxAttempts)
      throw new Error('no retry: not retryable, or attempts spent');
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retry);
    return retryToken(retry, Math.random() * cap);
  }

  recordSuccess(): void {}
}

/** A retry token: the SDK's retry middleware waits `delayMs` before the attempt it allows. */
function retryToken(count: number, delayMs: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delayMs };
}

/** A DynamoDB document client that drops `undefined` attributes and keeps every number a JS number. */
export function createDocumentClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  const { unmetered, ...rest } = options;
  const maxAttempts = rest.maxAttempts ?? 8;
  const client = new DynamoDBClient({
    maxAttempts,
    ...rest,
    ...(unmetered ? { retryStrategy: new UnmeteredRetryStrategy(maxAttempts) } : {}),
  });
  // Metrics are doubles: large values are stored and read back as plain numbers (the SDK would
  // otherwise refuse them on write and turn them into BigInt on read).
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      convertClassInstanceToMap: false,
      allowImpreciseNumbers: true,
    },
    unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
  });
}

/**
 * An S3 client. With `forcePathStyle` it also sends checksums only when required: s3rver stores
 * the aws-chunked framing inside objects under the SDK's default checksum mode.
 */
export function createS3Client(options: ClientOptions & { forcePathStyle?: boolean } = {}): S3Client {
  const { forcePathStyle, ...rest } = options;
  return new S3Client({
    maxAttempts: 5,
    ...rest,
    ...(forcePathStyle
      ? {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}
