import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { Cron } from 'croner';
import type { JWTPayload } from 'jose';
import S3rver from 's3rver';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { createTableInput } from '#core/table.ts';
import { BODY_TOO_LARGE_ADVICE } from '#functions/http/http-handler.ts';
import { INTERNAL_ERROR_DETAIL } from '#functions/http/problem.ts';
import { routeKey } from '#functions/routes.ts';
import { buildConsole } from '../build-console.ts';
import { functionEntry } from '../service-functions.ts';
import { type AccessLog, createAccessLog, LOCAL_PRINCIPAL_CLAIMS } from './access-log.ts';
import { makePutsAtomic } from './atomic-s3rver.ts';
import { startDynamoServer } from './dynamo-server.ts';
import { FunctionRunner } from './function-runner.ts';
import {
  applyCors,
  BodyTooLargeError,
  matchRoute,
  readBody,
  toHttpApiEvent,
  writeLambdaResult,
  writeProblem,
} from './http-gateway.ts';
import { createJwtAuthorizer, type JwtAuthorizer } from './jwt-authorizer.ts';
import { createLambdaInvokeServer } from './lambda-invoke-server.ts';
import { LOCAL_CHANNEL_USER, type LocalIssuer, startLocalIssuer } from './local-issuer.ts';
import { isImportUpload, toS3Event } from './s3-trigger.ts';
import {
  consoleDir,
  ensureChannelUser,
  handlerEnvironment,
  issuerEnvironment,
  LOCAL_CREDENTIALS,
  type LocalEndpoints,
  type LocalSettings,
  loadCursorSecret,
} from './settings.ts';

export interface LocalStack {
  apiUrl: string;
  endpoints: LocalEndpoints;
  /** The local issuer whose tokens the gateway checks, with `LOCAL_AUTH=1`. */
  issuer?: LocalIssuer;
  /** The channel team's console user of the local issuer, with `LOCAL_AUTH=1`. */
  channelUser?: { email: string; password: string };
  stop(): Promise<void>;
}

/** What the local stack reports while it runs (the console, or nothing in tests). */
export interface LocalStackLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * Starts the whole service in this process: dynalite (on its own thread) and s3rver with their data under `DATA_DIR`,
 * the table and bucket, the Lambda Invoke endpoint, then the handlers (after their environment is in
 * `process.env`), the HTTP API, the S3 upload trigger, the durable executions left unfinished by a
 * previous process, and the nightly rescore schedule.
 */
export async function startLocalStack(settings: LocalSettings, log: LocalStackLog): Promise<LocalStack> {
  const dynamo = await startDynamoServer({
    path: path.join(settings.dataDir, 'dynamodb'),
    port: settings.dynamoPort,
    host: settings.host,
    throttlePercent: settings.dynamoThrottlePercent,
  });
  const s3rver = new S3rver({
    address: settings.host,
    port: settings.s3Port,
    silent: true,
    directory: path.join(settings.dataDir, 's3'),
  });
  makePutsAtomic(s3rver);
  const s3Address = await s3rver.run();

  const runner = new FunctionRunner({
    region: settings.region,
    load: (name) => import(pathToFileURL(functionEntry(name)).href),
    onAsyncFailure: (name, error, attempts) =>
      log.error(`${name}: asynchronous invocation failed after ${attempts} attempt(s)`, error),
  });
  const lambda = createLambdaInvokeServer(runner);
  await listen(lambda, settings.lambdaPort, settings.host);

  const endpoints: LocalEndpoints = {
    dynamo: `http://${settings.host}:${dynamo.port}`,
    s3: `http://${settings.host}:${s3Address.port}`,
    lambda: `http://${settings.host}:${(lambda.address() as AddressInfo).port}`,
  };
  await ensureTable(settings, endpoints);
  await ensureBucket(settings, endpoints);
  // The issuer first: the handlers' environment names it (the user directory, the console's sign-in).
  const issuer = settings.localAuth
    ? await startLocalIssuer(settings.host, settings.issuerPort, {
        dataDir: path.join(settings.dataDir, 'issuer'),
      })
    : undefined;
  const channelPassword = issuer ? await ensureChannelUser(issuer, settings.dataDir) : undefined;
  Object.assign(process.env, {
    ...handlerEnvironment(settings, endpoints, await loadCursorSecret(settings.dataDir)),
    ...(issuer ? issuerEnvironment(issuer, endpoints) : {}),
  });
  await buildConsole(consoleDir(settings));
  await runner.loadAll();

  s3rver.on('event', (event) => {
    for (const record of event.Records) {
      if (!isImportUpload(record, settings.bucketName)) continue;
      log.info(`upload s3://${record.s3.bucket.name}/${record.s3.object.key}: starting import-csv`);
      runner.invokeAsync('import-csv', toS3Event(record, settings.region));
    }
  });

  const authorize =
    issuer && createJwtAuthorizer({ issuer: issuer.issuer, audience: issuer.audiences, keys: issuer.keys });
  const accessLog = createAccessLog(path.join(settings.dataDir, 'access.ndjson'));
  const api = createApiServer(runner, log, settings.corsAllowedOrigins, accessLog, authorize);
  await listen(api, settings.port, settings.host);
  const apiPort = (api.address() as AddressInfo).port;
  await allowConsoleUploads(settings, endpoints, [
    `http://localhost:${apiPort}`,
    `http://${settings.host}:${apiPort}`,
  ]);

  // The durable runner's executions died with the previous process: start unfinished work again
  // from the state the handlers persisted (AWS keeps the executions themselves).
  const resumed = await runner.resumeUnfinished();
  if (resumed > 0) log.info(`resuming ${resumed} unfinished durable execution(s)`);

  const schedule = new Cron(settings.rescoreCron, { timezone: 'UTC', protect: true }, () => {
    log.info('nightly schedule: starting rescore');
    runner.invokeAsync('rescore', scheduledEvent(settings.region));
  });

  let stopping: Promise<void> | undefined;
  return {
    apiUrl: `http://localhost:${apiPort}`,
    endpoints,
    ...(issuer ? { issuer } : {}),
    ...(channelPassword ? { channelUser: { email: LOCAL_CHANNEL_USER, password: channelPassword } } : {}),
    stop() {
      stopping ??= (async () => {
        schedule.stop();
        const apiClosed = close(api);
        api.closeIdleConnections();
        const unfinished = await runner.drain(settings.shutdownGraceMs);
        if (unfinished > 0) log.info(`stopping with ${unfinished} invocation(s) unfinished`);
        api.closeAllConnections();
        lambda.closeAllConnections();
        await Promise.all([apiClosed, close(lambda), issuer?.stop()]);
        await accessLog.close();
        await s3rver.close();
        // dynalite closes its LevelDB store when its server closes.
        const dynamoCalls = await dynamo.close();
        if (settings.dynamoThrottlePercent > 0) {
          log.info(
            `DynamoDB throttling: ${dynamoCalls.throttled} of ${dynamoCalls.calls} data-plane calls answered ThrottlingException`,
          );
        }
      })();
      return stopping;
    },
  };
}

const API_TIMEOUT_MS = 30_000;
const TIMED_OUT = Symbol('timed out');

function createApiServer(
  runner: FunctionRunner,
  log: LocalStackLog,
  corsOrigins: string[],
  accessLog: AccessLog,
  authorize?: JwtAuthorizer,
): Server {
  const server = createServer(async (request, response) => {
    const access = accessLog.track(request, response);
    try {
      if (applyCors(request, response, corsOrigins)) return;
      const url = new URL(request.url ?? '/', 'http://localhost');
      const match = matchRoute(request.method ?? 'GET', url.pathname);
      if (!match) {
        request.resume();
        writeProblem(
          response,
          404,
          'Not Found',
          `No route ${request.method} ${url.pathname}. The routes are listed in docs/api.md.`,
        );
        return;
      }
      access.routeKey = routeKey(match.route);
      // As API Gateway: a route with a scope, or a partner user's route, is behind the JWT authorizer,
      // which answers 401 / 403 itself and hands the verified claims to the function. Without
      // LOCAL_AUTH a vendor route's caller is `local`; a partner route then has no identity (401).
      let claims: JWTPayload | undefined;
      if (authorize && (match.route.scope || match.route.partner)) {
        const decision = await authorize(
          request.headers.authorization,
          match.route.scope ? [match.route.scope] : [],
        );
        if (!decision.allowed) {
          access.authorizerError = decision.headers['www-authenticate'] ?? null;
          request.resume();
          response.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
          response.end(JSON.stringify(decision.body));
          return;
        }
        claims = decision.claims;
      } else if (!authorize && match.route.scope) {
        claims = LOCAL_PRINCIPAL_CLAIMS;
      }
      if (claims) {
        access.subject = typeof claims.sub === 'string' ? claims.sub : null;
        const client = claims.client_id ?? claims.aud;
        access.clientId = client === undefined ? null : String(client);
      }
      const body = await readBody(request);
      const event = toHttpApiEvent(request, match, body, new Date(), claims);
      access.requestId = event.requestContext.requestId;
      const invocation = runner.invoke(match.route.function, event);
      // API Gateway stops waiting after 30 s; the invocation itself runs on, as Lambda's would.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(resolve, API_TIMEOUT_MS, TIMED_OUT);
      });
      const result = await Promise.race([invocation, timeout]).finally(() => clearTimeout(timer));
      if (result === TIMED_OUT) {
        invocation.catch((error: unknown) =>
          log.error(`${request.method} ${request.url}: failed late`, error),
        );
        writeProblem(
          response,
          504,
          'Gateway Timeout',
          `The function did not answer within ${API_TIMEOUT_MS / 1000} s.`,
        );
        return;
      }
      writeLambdaResult(response, result);
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
      } else if (error instanceof BodyTooLargeError) {
        writeProblem(response, 413, 'Content Too Large', `${error.message} ${BODY_TOO_LARGE_ADVICE}`, {
          connection: 'close',
        });
      } else {
        log.error(`${request.method} ${request.url}: the function failed`, error);
        writeProblem(response, 500, 'Internal Server Error', INTERNAL_ERROR_DETAIL);
      }
    }
  });
  // Idle keep-alive connections stay open longer than a browser's or fetch's polling gap, even when a
  // run's scoring holds the event loop for seconds: a shorter timer fires late, before the request
  // already waiting on the socket is read, and the client gets ECONNRESET.
  server.keepAliveTimeout = 65_000;
  return server;
}

/**
 * The event an EventBridge schedule delivers to its Lambda target; `time` is the schedule slot
 * (the minute it fired for), so every delivery of one slot names the same run.
 */
function scheduledEvent(region: string, slot = new Date(Math.floor(Date.now() / 60_000) * 60_000)) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: '000000000000',
    time: slot.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:scheduler:${region}:000000000000:schedule/default/nightly-rescore`],
    detail: {},
  };
}

async function ensureTable(settings: LocalSettings, endpoints: LocalEndpoints): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamo,
    region: settings.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: settings.tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(settings.tableName)));
  } finally {
    client.destroy();
  }
}

async function ensureBucket(settings: LocalSettings, endpoints: LocalEndpoints): Promise<void> {
  const client = createS3Client({
    endpoint: endpoints.s3,
    region: settings.region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucketName }));
  } catch {
    // HeadBucket can fail for another reason than a missing bucket right after a SIGKILL of the stack
    // (seen in the run kill test); a bucket that already exists is what we want.
    await client.send(new CreateBucketCommand({ Bucket: settings.bucketName })).catch((error: unknown) => {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyExists' && name !== 'BucketAlreadyOwnedByYou') throw error;
    });
  } finally {
    client.destroy();
  }
}

/** The console PUTs uploads to presigned URLs of the S3 server, another origin: allow its own. */
async function allowConsoleUploads(
  settings: LocalSettings,
  endpoints: LocalEndpoints,
  origins: string[],
): Promise<void> {
  const client = createS3Client({
    endpoint: endpoints.s3,
    region: settings.region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: settings.bucketName,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [...new Set(origins)],
              AllowedMethods: ['PUT', 'GET'],
              AllowedHeaders: ['*'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 3000,
            },
          ],
        },
      }),
    );
  } finally {
    client.destroy();
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
