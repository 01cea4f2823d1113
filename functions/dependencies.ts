import { createDocumentClient, createS3Client } from '#core/adapters/aws-clients.ts';
import { type Env, readEnv, required } from '#core/config.ts';

/**
 * Dependencies of the Lambda entries, built from the environment once, on first use (not at module
 * load, so tests can import handlers without an environment and inject their own deps).
 * Each part adds its own lazy getters here.
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

export const env = lazy((): Env => readEnv());
export const tableName = lazy(() => required(env(), 'TABLE_NAME'));
export const bucketName = lazy(() => required(env(), 'BUCKET_NAME'));

export const documentClient = lazy(() => createDocumentClient());
export const s3Client = lazy(() => createS3Client({ forcePathStyle: env().S3_FORCE_PATH_STYLE === 'true' }));
