import * as z from 'zod/mini';

const name = z.string().check(z.minLength(1, 'must not be empty'));

/**
 * Every environment variable the functions read. Each is set in exactly one place: the CDK function
 * construct that also grants the access it implies, or the local stack (`infra/local`).
 * AWS endpoints follow the SDK's own variables (`AWS_ENDPOINT_URL_DYNAMODB`, `…_S3`, `…_LAMBDA`,
 * `…_EVENTBRIDGE`), so the same code talks to AWS or to the local servers.
 */
export const envSchema = z.object({
  TABLE_NAME: z.optional(name),
  BUCKET_NAME: z.optional(name),
  /** EventBridge bus for domain events (AWS). */
  EVENT_BUS_NAME: z.optional(name),
  /** NDJSON file for domain events (local stack); takes the place of EVENT_BUS_NAME. */
  EVENTS_FILE: z.optional(name),
  /** Function invoked asynchronously to run a rescore. */
  RESCORE_FUNCTION_NAME: z.optional(name),
  /** Function whose durable executions distribute leads (one per lead, named after it). */
  LEAD_FUNCTION_NAME: z.optional(name),
  /** Secret that signs ranking cursors (local stack and tests). */
  CURSOR_SECRET: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
  /** Secrets Manager ARN of the cursor-signing secret (AWS). */
  CURSOR_SECRET_ARN: z.optional(name),
  /** `true` against S3-compatible servers that need path-style URLs (s3rver). */
  S3_FORCE_PATH_STYLE: z.optional(z.enum(['true', 'false'], 'must be "true" or "false"')),
  /** The Cognito user pool of partner users (the local issuer plays it locally); unset: no portal users. */
  USER_POOL_ID: z.optional(name),
  /** App client ids of the partner portal, comma-separated: their tokens are partner users'. */
  PORTAL_CLIENT_IDS: z.optional(z.string()),
  /** `1` on the local stack only: invitations make a password and return it as `localPassword`. */
  LOCAL_USER_PASSWORDS: z.optional(z.enum(['0', '1'], 'must be 1 or 0')),
});

export type Env = z.output<typeof envSchema>;

/**
 * Reads and checks the environment once; call at cold start. A bad value is a deployment fault, not
 * a bad request: it throws a plain error naming each variable (an HTTP function answers 500 and logs it).
 */
export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = z.safeParse(envSchema, source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(
      `Invalid environment: ${problems.join('; ')}. The CDK function construct or the local stack sets these variables.`,
    );
  }
  return parsed.data;
}

/** The value of a variable this function cannot work without; the error names it. */
export function required<K extends keyof Env>(env: Env, key: K): NonNullable<Env[K]> {
  const value = env[key];
  if (value === undefined || value === null) {
    throw new Error(
      `Environment variable ${String(key)} is not set. The CDK function construct or the local stack sets it.`,
    );
  }
  return value as NonNullable<Env[K]>;
}
