import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  /** Endpoint override (local servers, tests); otherwise the SDK's own resolution applies. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Retry attempts for throttling and transient errors (SDK standard retry with backoff). */
  maxAttempts?: number;
}

/** A DynamoDB document client that drops `undefined` attributes and keeps every number a JS number. */
export function createDocumentClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ maxAttempts: 8, ...options });
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
