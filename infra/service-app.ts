import { readFile } from 'node:fs/promises';
import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { ConsoleSignIn, PartnerPortal, ReservedConcurrency } from './constructs/service-resources.ts';
import { PartnerScoringStack } from './partner-scoring-stack.ts';

/** Used when the `jwtIssuer` / `jwtAudience` context is not set: synth works, no token validates. */
export const PLACEHOLDER_JWT_ISSUER = 'https://issuer.example.com/set-context-jwtIssuer';
export const PLACEHOLDER_JWT_AUDIENCE = 'partner-scoring-api';

/**
 * Reserved concurrency when the context sets none (docs/deploy.md): runs and imports keep theirs,
 * the query function is held to 50 and the model preview to 10. 75 of an account's default 1,000.
 */
export const DEFAULT_RESERVED_CONCURRENCY: Required<ReservedConcurrency> = {
  rescore: 5,
  importCsv: 10,
  queryApi: 50,
  previewApi: 10,
};
/** The context key of each reservation; `none` reserves nothing (an account with a low limit). */
export const RESERVED_CONCURRENCY_CONTEXT: Record<keyof ReservedConcurrency, string> = {
  rescore: 'rescoreReservedConcurrency',
  importCsv: 'importReservedConcurrency',
  queryApi: 'queryReservedConcurrency',
  previewApi: 'previewReservedConcurrency',
};

/**
 * The deployment's own settings file, in the project root and git-ignored: `docs/deploy.md` writes it,
 * so every later `npx cdk deploy` keeps them (a `-c key=value` still wins for that deploy).
 */
export const DEPLOY_CONTEXT_FILE = 'deploy.context.json';

/** The context keys a deployment may set (in {@link DEPLOY_CONTEXT_FILE}, `cdk.json` or `-c`). */
export const DEPLOY_CONTEXT_KEYS = [
  'jwtIssuer',
  'jwtAudience',
  'alarmEmail',
  'importRetentionDays',
  'corsAllowedOrigins',
  'consoleClientId',
  'consoleAuthDomain',
  'consoleScopes',
  'rescoreReservedConcurrency',
  'importReservedConcurrency',
  'queryReservedConcurrency',
  'previewReservedConcurrency',
  'userPoolId',
  'portalCallbackUrls',
] as const;

/**
 * The settings in a deploy context file (an object of {@link DEPLOY_CONTEXT_KEYS}), `{}` when there is
 * none. Passed to `new App({ context })`, where the CLI's `-c` and `cdk.json` take precedence. An unknown
 * key is refused, so a misspelt `alarmEmail` cannot silently drop the alarm subscription.
 */
export async function readDeployContextFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}): see docs/deploy.md`);
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new Error(`${file} must hold one JSON object of deploy settings: see docs/deploy.md`);
  }
  const unknown = Object.keys(settings).filter(
    (key) => !(DEPLOY_CONTEXT_KEYS as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw new Error(
      `${file}: unknown setting(s) ${unknown.join(', ')}; the settings are ${DEPLOY_CONTEXT_KEYS.join(', ')}`,
    );
  }
  return settings as Record<string, unknown>;
}

/** Deployment settings read from CDK context (`-c key=value`, `cdk.json`, then `deploy.context.json`). */
export interface DeployContext {
  jwtIssuer: string;
  jwtAudience: string[];
  alarmEmail?: string;
  importRetentionDays: number;
  corsAllowedOrigins: string[];
  /** From `consoleClientId` + `consoleAuthDomain`: the console's hosted sign-in (none when unset). */
  consoleSignIn?: ConsoleSignIn;
  reservedConcurrency: ReservedConcurrency;
  /** From `userPoolId` + `portalCallbackUrls`: partner users and the portal's app client (none when unset). */
  partnerPortal?: PartnerPortal;
  usesPlaceholderJwt: boolean;
}

/** Reads and checks the deployment context; unset JWT settings fall back to the placeholders. */
export function readDeployContext(app: App): DeployContext {
  const get = (key: string): unknown => app.node.tryGetContext(key);
  const list = (value: unknown): string[] | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    const kept = items.map((item) => item.trim()).filter((item) => item.length > 0);
    return kept.length > 0 ? kept : undefined;
  };
  const issuer = get('jwtIssuer');
  const audience = list(get('jwtAudience'));
  const retention = Number(get('importRetentionDays') ?? 30);
  if (!Number.isInteger(retention) || retention < 1) {
    throw new Error(
      `Context importRetentionDays must be a whole number of days ≥ 1, got ${get('importRetentionDays')}`,
    );
  }
  const email = get('alarmEmail');
  const clientId = get('consoleClientId');
  const authDomain = get('consoleAuthDomain');
  let consoleSignIn: ConsoleSignIn | undefined;
  if (typeof clientId === 'string' && clientId !== '') {
    if (typeof authDomain !== 'string' || !/^https:\/\/[^/]+$/.test(authDomain)) {
      throw new Error(
        `Context consoleAuthDomain must be the user pool's hosted login domain as https://host (no path), got ${authDomain}`,
      );
    }
    const scopes = get('consoleScopes');
    consoleSignIn = {
      clientId,
      domain: authDomain,
      scopes:
        typeof scopes === 'string' && scopes.trim() !== ''
          ? scopes.trim()
          : 'openid partners/read partners/write',
    };
  }
  const reservedConcurrency: ReservedConcurrency = {};
  for (const [name, key] of Object.entries(RESERVED_CONCURRENCY_CONTEXT) as [
    keyof ReservedConcurrency,
    string,
  ][]) {
    const value = get(key);
    if (value === 'none') continue;
    const count =
      value === undefined || value === null || value === ''
        ? DEFAULT_RESERVED_CONCURRENCY[name]
        : Number(value);
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(
        `Context ${key} must be a whole number ≥ 1 or none (no reservation, for an account with a low concurrency limit), got ${value}`,
      );
    }
    reservedConcurrency[name] = count;
  }
  const userPoolId = get('userPoolId');
  let partnerPortal: PartnerPortal | undefined;
  if (typeof userPoolId === 'string' && userPoolId !== '') {
    if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) {
      throw new Error(
        `Context userPoolId must be a Cognito user pool id such as eu-west-1_AbC123, got ${userPoolId}`,
      );
    }
    const callbackUrls = list(get('portalCallbackUrls'));
    if (
      !callbackUrls ||
      callbackUrls.some((url) => !/^https:\/\/[^\s]+$|^http:\/\/localhost(:\d+)?\//.test(url))
    ) {
      throw new Error(
        `Context portalCallbackUrls must list the console's https URLs (comma-separated, e.g. https://api.example.com/) when userPoolId is set, got ${get('portalCallbackUrls')}`,
      );
    }
    partnerPortal = { userPoolId, callbackUrls };
  }
  // The console's tokens carry its app client id, so the API accepts that audience too.
  const audiences =
    audience && consoleSignIn ? [...new Set([...audience, consoleSignIn.clientId])] : audience;
  return {
    jwtIssuer: typeof issuer === 'string' && issuer !== '' ? issuer : PLACEHOLDER_JWT_ISSUER,
    jwtAudience: audiences ?? [PLACEHOLDER_JWT_AUDIENCE],
    ...(typeof email === 'string' && email !== '' ? { alarmEmail: email } : {}),
    importRetentionDays: retention,
    corsAllowedOrigins: list(get('corsAllowedOrigins')) ?? ['*'],
    ...(consoleSignIn ? { consoleSignIn } : {}),
    reservedConcurrency,
    ...(partnerPortal ? { partnerPortal } : {}),
    usesPlaceholderJwt: typeof issuer !== 'string' || issuer === '' || audience === undefined,
  };
}

/**
 * The whole service on `app`: one stack (stateful resources plus the service built on them) and the
 * cdk-nag AwsSolutions and Serverless packs as synth-time validations.
 */
export function buildServiceApp(app: App): PartnerScoringStack {
  const context = readDeployContext(app);
  const stack = new PartnerScoringStack(app, 'PartnerScoring', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description:
      'Partner scoring service: table, import bucket, functions, HTTP API, schedule, events, alarms',
    jwtIssuer: context.jwtIssuer,
    jwtAudience: context.jwtAudience,
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
    importRetentionDays: context.importRetentionDays,
    corsAllowedOrigins: context.corsAllowedOrigins,
    ...(context.consoleSignIn ? { consoleSignIn: context.consoleSignIn } : {}),
    reservedConcurrency: context.reservedConcurrency,
    ...(context.partnerPortal ? { partnerPortal: context.partnerPortal } : {}),
  });
  if (context.usesPlaceholderJwt) {
    Annotations.of(stack).addWarningV2(
      'partner-scoring:placeholder-jwt',
      `No JWT issuer/audience in context: using ${PLACEHOLDER_JWT_ISSUER} / ${PLACEHOLDER_JWT_AUDIENCE}, so no real ` +
        'token will be accepted. Deploy with -c jwtIssuer=https://… -c jwtAudience=… (docs/deploy.md).',
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return stack;
}
