import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
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
import S3rver from 's3rver';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { createTableInput } from '#core/table.ts';
import { buildConsole } from '../build-console.ts';
import { functionEntry } from '../service-functions.ts';
import { createAccessLog } from './access-log.ts';
import { createApiServer } from './api-server.ts';
import { makePutsAtomic } from './atomic-s3rver.ts';
import { startDynamoServer } from './dynamo-server.ts';
import { FunctionRunner } from './function-runner.ts';
import { createJwtAuthorizer } from './jwt-authorizer.ts';
import { createLambdaInvokeServer } from './lambda-invoke-server.ts';
import { LOCAL_CHANNEL_USER, type LocalIssuer, startLocalIssuer } from './local-issuer.ts';
import { isImportUpload, S3NotificationQueue, toS3Event } from './s3-trigger.ts';
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
 * the table and bucket, the Lambda API endpoint, then the handlers (after their environment is in
 * `process.env`), the durable executions left unfinished by a previous process (replayed by the
 * durable engine), the S3 upload trigger with the notifications not yet handled, the HTTP API and
 * the nightly rescore schedule.
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

  const runner = new FunctionRunner({
    region: settings.region,
    durableDir: path.join(settings.dataDir, 'durable-executions'),
    load: (name) => import(pathToFileURL(functionEntry(name)).href),
    onAsyncFailure: (name, error, attempts) =>
      log.error(`${name}: asynchronous invocation failed after ${attempts} attempt(s)`, error),
  });
  const notifications = new S3NotificationQueue(
    path.join(settings.dataDir, 's3-notifications'),
    async (id, event) => {
      const { outcome } = await runner.invokeDurable('import-csv', event, `s3-${id}`);
      await outcome;
    },
    (id, error) =>
      log.error(`S3 notification ${id}: not delivered (delivered again at the next start)`, error),
  );
  // Listening before s3rver serves: every upload it acknowledges has its notification kept.
  s3rver.on('event', (event) => {
    for (const record of event.Records) {
      if (!isImportUpload(record, settings.bucketName)) continue;
      log.info(`upload s3://${record.s3.bucket.name}/${record.s3.object.key}: starting import-csv`);
      notifications.enqueue(toS3Event(record, settings.region));
    }
  });
  const s3Address = await s3rver.run();
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

  // Durable executions a previous process left unfinished replay from their checkpoints.
  const resumed = await runner.resumeExecutions();
  if (resumed > 0) log.info(`resuming ${resumed} unfinished durable execution(s)`);
  const redelivered = await notifications.start();
  if (redelivered > 0) log.info(`delivering ${redelivered} S3 notification(s) not yet handled`);

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

  const schedule = new Cron(settings.rescoreCron, { timezone: 'UTC', protect: true }, () => {
    log.info('nightly schedule: starting rescore');
    runner
      .invokeAsync('rescore', scheduledEvent(settings.region))
      .catch((error: unknown) => log.error('nightly schedule: rescore not started', error));
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
