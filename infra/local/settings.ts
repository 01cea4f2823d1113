import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cron } from 'croner';
import * as z from 'zod/mini';
import { LOCAL_CHANNEL_USER, type LocalIssuer } from './local-issuer.ts';

const port = z.pipe(
  z.string().check(z.regex(/^\d{1,5}$/, 'must be a port number (0 picks a free one)')),
  z.transform(Number),
);

const cron = z.string().check(
  z.refine((pattern) => {
    try {
      new Cron(pattern, { paused: true, timezone: 'UTC' }).stop();
      return true;
    } catch {
      return false;
    }
  }, 'must be a cron pattern such as "0 2 * * *"'),
);

/** The variables `npm start` reads (contract §2), plus the ports of the embedded servers. */
const localEnvSchema = z.object({
  PORT: z._default(port, 3000),
  DATA_DIR: z._default(
    z.string().check(z.minLength(1, 'must be a directory path; leave it unset for .data')),
    '.data',
  ),
  RESCORE_CRON: z._default(cron, '0 2 * * *'),
  /** Ports of the DynamoDB-, S3- and Lambda-API servers; all free ports when `PORT` is 0. */
  DYNAMODB_PORT: z.optional(port),
  S3_PORT: z.optional(port),
  LAMBDA_PORT: z.optional(port),
  TABLE_NAME: z._default(
    z
      .string()
      .check(
        z.regex(/^[\w.-]{3,255}$/, 'must be 3-255 letters, digits, "_", "-" or "." (a DynamoDB table name)'),
      ),
    'partner-scoring',
  ),
  BUCKET_NAME: z._default(
    z
      .string()
      .check(
        z.regex(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          'must be 3-63 lowercase letters, digits, "-" or "." (an S3 bucket name)',
        ),
      ),
    'partner-scoring-local',
  ),
  /**
   * Share (0-100, default 0) of the DynamoDB-API server's data-plane calls answered with a
   * `ThrottlingException`, to see the service under throttling as on AWS (the soak uses 10).
   */
  DYNAMODB_THROTTLE_PERCENT: z._default(
    z.pipe(
      z.string().check(z.regex(/^(100(\.0+)?|\d{1,2}(\.\d+)?)$/, 'must be a percentage from 0 to 100')),
      z.transform(Number),
    ),
    0,
  ),
  /**
   * Origins a browser app on another origin may call the HTTP API from, comma-separated (as the CDK
   * context `corsAllowedOrigins`); `*` (the default, as on AWS) allows any.
   */
  CORS_ALLOWED_ORIGINS: z._default(
    z
      .string()
      .check(
        z.regex(
          /^(\*|https?:\/\/[^\s,/]+)(,(\*|https?:\/\/[^\s,/]+))*$/,
          'must be * or origins such as https://crm.example.com, comma-separated',
        ),
      ),
    '*',
  ),
  /** `1`: routes need a token from the local issuer, checked as API Gateway's JWT authorizer would. */
  LOCAL_AUTH: z._default(z.enum(['0', '1'], 'must be 1 (check tokens as on AWS) or 0 (open)'), '0'),
  /** Port of the local issuer (discovery, JWKS, token endpoint) when `LOCAL_AUTH=1`. */
  ISSUER_PORT: z.optional(port),
  /** How long Ctrl-C waits for a running import or rescore before stopping the servers. */
  SHUTDOWN_GRACE_MS: z._default(
    z.pipe(z.string().check(z.regex(/^\d+$/, 'must be a whole number of milliseconds')), z.transform(Number)),
    30_000,
  ),
});

export interface LocalSettings {
  host: string;
  port: number;
  dataDir: string;
  rescoreCron: string;
  dynamoPort: number;
  /** Share (0-100) of DynamoDB data-plane calls throttled by injection. */
  dynamoThrottlePercent: number;
  s3Port: number;
  lambdaPort: number;
  region: string;
  tableName: string;
  bucketName: string;
  /** Origins allowed by the local gateway's CORS headers. */
  corsAllowedOrigins: string[];
  /** Whether the gateway checks each route's scope against tokens of the local issuer. */
  localAuth: boolean;
  issuerPort: number;
  shutdownGraceMs: number;
}

/** The credentials the embedded servers accept (s3rver checks them; dynalite accepts any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/** Reads and checks the local stack's variables; a bad value names the variable and exits. */
export function readLocalSettings(source: Record<string, string | undefined>): LocalSettings {
  const parsed = z.safeParse(localEnvSchema, source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid environment for npm start:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  const freePorts = env.PORT === 0;
  return {
    host: '127.0.0.1',
    port: env.PORT,
    dataDir: path.resolve(env.DATA_DIR),
    rescoreCron: env.RESCORE_CRON,
    dynamoPort: env.DYNAMODB_PORT ?? (freePorts ? 0 : 4567),
    dynamoThrottlePercent: env.DYNAMODB_THROTTLE_PERCENT,
    s3Port: env.S3_PORT ?? (freePorts ? 0 : 4568),
    lambdaPort: env.LAMBDA_PORT ?? (freePorts ? 0 : 4569),
    region: LOCAL_REGION,
    tableName: env.TABLE_NAME,
    bucketName: env.BUCKET_NAME,
    corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS.split(','),
    localAuth: env.LOCAL_AUTH === '1',
    issuerPort: env.ISSUER_PORT ?? (freePorts ? 0 : 4570),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}

/** The endpoints the embedded servers listen on, once started. */
export interface LocalEndpoints {
  dynamo: string;
  s3: string;
  lambda: string;
}

/**
 * The environment the handlers build their dependencies from, exactly the variables the CDK stack
 * sets on AWS plus the SDK's endpoint overrides, so the same code runs against the local servers.
 */
export function handlerEnvironment(
  settings: LocalSettings,
  endpoints: LocalEndpoints,
  cursorSecret: string,
): Record<string, string> {
  return {
    TABLE_NAME: settings.tableName,
    BUCKET_NAME: settings.bucketName,
    EVENTS_FILE: path.join(settings.dataDir, 'events.ndjson'),
    // Durable functions are invoked through their alias, as on AWS.
    RESCORE_FUNCTION_NAME: 'rescore:live',
    LEAD_FUNCTION_NAME: 'lead:live',
    CURSOR_SECRET: cursorSecret,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: settings.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
    CONSOLE_ASSETS_DIR: consoleDir(settings),
    CONSOLE_CONNECT_SRC: endpoints.s3,
  };
}

/**
 * The handlers' environment with `LOCAL_AUTH=1`: the local issuer plays the user pool (its admin API
 * under the SDK's Cognito endpoint variable), invitations return a local password, the portal's
 * client marks partner users, and the console signs in through the issuer's page.
 */
export function issuerEnvironment(issuer: LocalIssuer, endpoints: LocalEndpoints): Record<string, string> {
  return {
    USER_POOL_ID: 'local',
    PORTAL_CLIENT_IDS: issuer.portalClientId,
    LOCAL_USER_PASSWORDS: '1',
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: issuer.issuer,
    CONSOLE_AUTH: JSON.stringify({
      issuer: issuer.issuer,
      domain: issuer.issuer,
      clientId: issuer.consoleClientId,
      portalClientId: issuer.portalClientId,
      scopes: 'openid partners/read partners/write',
    }),
    CONSOLE_CONNECT_SRC: `${endpoints.s3} ${issuer.issuer}`,
  };
}

/**
 * The channel team's console user of the local issuer, made on the first start with `LOCAL_AUTH=1`;
 * its password is kept in `DATA_DIR/issuer/channel-password` (the issuer keeps only a hash) and printed.
 */
export async function ensureChannelUser(issuer: LocalIssuer, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'issuer', 'channel-password');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved && issuer.users.byEmail(LOCAL_CHANNEL_USER)) return saved;
  const password = randomBytes(12).toString('base64url');
  const existing = issuer.users.byEmail(LOCAL_CHANNEL_USER);
  if (existing)
    throw new Error(
      `${file} is missing: delete ${path.join(dataDir, 'issuer')} to start the local users afresh.`,
    );
  await issuer.users.create(LOCAL_CHANNEL_USER, password);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Where `npm start` builds the web console (served by the web-console function). */
export function consoleDir(settings: LocalSettings): string {
  return path.join(settings.dataDir, 'console');
}

/**
 * The secret that signs ranking cursors: generated on first start and kept in `DATA_DIR`, so cursors
 * handed out before a restart still work after it.
 */
export async function loadCursorSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'cursor-secret');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 16) return existing.trim();
  const secret = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
