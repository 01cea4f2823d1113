/**
 * `npm start`: the whole service on this machine, no AWS account (contract §2). One process runs
 * dynalite and s3rver (data under `DATA_DIR`), the HTTP API, a Lambda Invoke endpoint, the S3 upload
 * trigger and the nightly rescore schedule, all calling the same handlers Lambda runs.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { lockDataDir } from './data-dir-lock.ts';
import { PRINTED_TOKEN_LIFETIME_SECONDS } from './local-issuer.ts';
import { LOCAL_CREDENTIALS, readLocalSettings } from './settings.ts';

// Set before any service module is imported: the logger and metrics read them when created.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

let settings: ReturnType<typeof readLocalSettings>;
try {
  settings = readLocalSettings(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
await mkdir(settings.dataDir, { recursive: true });
const unlockDataDir = await lockDataDir(settings.dataDir).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});

const log = {
  info: (message: string) => console.log(`${new Date().toISOString()} ${message}`),
  error: (message: string, error?: unknown) =>
    console.error(
      `${new Date().toISOString()} ${message}${error === undefined ? '' : `: ${inspect(error, { depth: 3 })}`}`,
    ),
};

const { startLocalStack } = await import('./local-stack.ts');
const stack = await startLocalStack(settings, log).catch(async (error: unknown) => {
  const { code, port } = error as { code?: string; port?: number };
  if (code === 'EADDRINUSE') {
    console.error(
      `Port ${port} is in use (another npm start?). Choose others with PORT, DYNAMODB_PORT, S3_PORT and LAMBDA_PORT, or PORT=0 for free ones.`,
    );
  } else {
    log.error('the local stack could not start', error);
  }
  await unlockDataDir();
  process.exit(1);
});

const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative || '.';
};
const auth = stack.issuer
  ? await (async (issuer) => {
      const hours = PRINTED_TOKEN_LIFETIME_SECONDS / 3600;
      const read = await issuer.accessToken(['partners/read'], PRINTED_TOKEN_LIFETIME_SECONDS);
      const write = await issuer.accessToken(
        ['partners/read', 'partners/write'],
        PRINTED_TOKEN_LIFETIME_SECONDS,
      );
      return `
  Auth (LOCAL_AUTH=1): every route but the open ones needs a bearer token, checked as on AWS
  Issuer           ${issuer.issuer}   token endpoint ${issuer.tokenUrl}
  Client           ${issuer.clientId}   secret ${issuer.clientSecret}
  Read token       (partners/read, ${hours} h)
    ${read}
  Write token      (partners/read partners/write, ${hours} h)
    ${write}
  Use:  API_TOKEN=<a token> npm run cli -- rank   or   curl -H "Authorization: Bearer <a token>" …
        npm run cli -- login --token-url ${issuer.tokenUrl} --client-id ${issuer.clientId} --client-secret ${issuer.clientSecret}
  Console sign-in  ${stack.channelUser?.email ?? ''}   password ${stack.channelUser?.password ?? ''}   (the channel team; open ${stack.apiUrl})
  Portal client    ${issuer.portalClientId}   partner users: invite with POST /partners/{id}/users (the 201 has localPassword),
                   then sign in at ${stack.apiUrl} or: curl -d grant_type=password -d client_id=${issuer.portalClientId} -d username=EMAIL -d password=… ${issuer.tokenUrl}
`;
    })(stack.issuer)
  : '';
const credentials = `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_REGION=${settings.region} AWS_DEFAULT_REGION=${settings.region}`;
console.log(`
Partner scoring service (local stack) is running.

  API              ${stack.apiUrl}
  DynamoDB API     ${stack.endpoints.dynamo}   table  ${settings.tableName}
  S3 API           ${stack.endpoints.s3}   bucket ${settings.bucketName}
  Lambda Invoke    ${stack.endpoints.lambda}
  Credentials      ${credentials}
  Data             ${shown(settings.dataDir)}   events ${shown(path.join(settings.dataDir, 'events.ndjson'))}
  Nightly rescore  "${settings.rescoreCron}" (UTC)${
    settings.dynamoThrottlePercent > 0
      ? `\n  Throttling       ${settings.dynamoThrottlePercent} % of DynamoDB data-plane calls answer ThrottlingException (DYNAMODB_THROTTLE_PERCENT)`
      : ''
  }
${auth}
  Try:  curl ${stack.apiUrl}/health
        npm run cli -- import samples/seed-partners.csv
        ${credentials} \\
          aws s3 cp samples/seed-partners.csv s3://${settings.bucketName}/imports/ --endpoint-url ${stack.endpoints.s3}

Press Ctrl-C to stop.
`);

let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (firstSignalAt !== undefined) {
      // The same Ctrl-C can arrive twice (from the terminal and relayed by npm / tsx): only a later one forces.
      if (Date.now() - firstSignalAt < 1_000) return;
      log.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    log.info(`${signal}: stopping (waiting up to ${settings.shutdownGraceMs} ms for running work)`);
    stack
      .stop()
      .then(unlockDataDir)
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error('stopping failed', error);
          process.exit(1);
        },
      );
  });
}
