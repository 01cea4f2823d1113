import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { IMPORT_PREFIX, IMPORT_SUFFIXES } from '#core/imports/import-keys.ts';
import { RUNS_PREFIX } from '#core/runs/run-files.ts';
import { PartnerPortalResources } from './partner-portal.ts';
import { ServiceAlarms } from './service-alarms.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, ServiceFunction } from './service-function.ts';
import { ServiceHttpApi } from './service-http-api.ts';

export interface ServiceResourcesProps {
  table: ITableV2;
  bucket: s3.Bucket;
  jwtIssuer: string;
  jwtAudience: string[];
  /** Origins a browser app may call the API from (the same list as the bucket's CORS). */
  corsAllowedOrigins: string[];
  alarmEmail?: string;
  /** The console's sign-in on AWS: a public app client of the user pool and its hosted login domain. */
  consoleSignIn?: ConsoleSignIn;
  /** Reserved concurrency per function (none reserved where unset). */
  reservedConcurrency?: ReservedConcurrency;
  /** Partner users (contract §3.1): the user pool they live in and the portal's callback URLs. */
  partnerPortal?: PartnerPortal;
}

/**
 * Concurrent executions reserved for a function, which are also its most. The long jobs keep theirs
 * whatever the API's traffic; the query function and the preview function (each preview of 1M
 * partners takes seconds of two vCPUs) are held to their own, so API traffic cannot take the
 * account's concurrency from them.
 */
export interface ReservedConcurrency {
  rescore?: number;
  importCsv?: number;
  queryApi?: number;
  previewApi?: number;
}

export interface PartnerPortal {
  /** The existing user pool (the one `jwtIssuer` names) that partner users are created in. */
  userPoolId: string;
  /** Where the hosted sign-in sends partner users back: the console's origin (`https://…/`). */
  callbackUrls: string[];
}

export interface ConsoleSignIn {
  /** App client id (authorization code + PKCE, no secret); also a JWT audience of the API. */
  clientId: string;
  /** Hosted login domain, e.g. `https://my-team.auth.eu-west-1.amazoncognito.com`. */
  domain: string;
  /** Scopes the console asks for (space-separated). */
  scopes: string;
}

/** Async retries before an event goes to its dead-letter queue, and how long it may wait. */
const ASYNC_RETRIES = 2;
const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/**
 * Everything that can be replaced without losing data, built on the table and bucket it receives:
 * the service's functions, the HTTP API, the nightly schedule, the S3 trigger, the event bus, the cursor
 * secret, dead-letter queues and alarms.
 */
export class ServiceResources extends Construct {
  readonly functions: Record<
    'ingestApi' | 'queryApi' | 'previewApi' | 'leadsApi' | 'importCsv' | 'rescore' | 'lead' | 'webConsole',
    ServiceFunction
  >;
  readonly http: ServiceHttpApi;
  readonly eventBus: events.EventBus;
  /** The partner portal's app client id, when partner users are set up. */
  readonly portalClientId: string | undefined;

  constructor(scope: Construct, id: string, props: ServiceResourcesProps) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'DomainEvents', {
      description: 'PartnerTierChanged and RescoreCompleted events (source partner-scoring)',
    });
    const cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'Signs the opaque ranking cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key would invalidate every ranking cursor in flight; it guards no data access.',
    });

    // A finishing run starts the follow-up run requested meanwhile by invoking the rescore function again.
    const reserved = props.reservedConcurrency ?? {};
    const rescore = new ServiceFunction(this, 'Rescore', {
      name: 'rescore',
      ...(reserved.rescore === undefined ? {} : { reservedConcurrency: reserved.rescore }),
    })
      .useTable(props.table, 'readWrite')
      .useBucket(props.bucket, 'readWrite', `${RUNS_PREFIX}*`)
      .useEventBus(this.eventBus);
    rescore.canInvokeAsync(rescore, 'RESCORE_FUNCTION_NAME');
    const importCsv = new ServiceFunction(this, 'ImportCsv', {
      name: 'import-csv',
      ...(reserved.importCsv === undefined ? {} : { reservedConcurrency: reserved.importCsv }),
    })
      .useTable(props.table, 'readWrite', 'append')
      .useBucket(props.bucket, 'readWrite', `${IMPORT_PREFIX}*`);
    importCsv.canInvokeAsync(rescore, 'RESCORE_FUNCTION_NAME');
    // One durable execution per lead: it reads the current run's snapshot parts and places (the
    // ranking it chooses from), writes leads, offers and counters, publishes the lead events.
    const lead = new ServiceFunction(this, 'Lead', { name: 'lead' })
      .useTable(props.table, 'readWrite', 'append')
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/places/*`)
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/snapshot/*`)
      .useEventBus(this.eventBus);
    const ingestApi = new ServiceFunction(this, 'IngestApi', { name: 'ingest-api' })
      .useTable(props.table, 'readWrite', 'append')
      .useBucket(props.bucket, 'put', `${IMPORT_PREFIX}*`)
      .canInvokeAsync(rescore, 'RESCORE_FUNCTION_NAME');
    const leadsApi = new ServiceFunction(this, 'LeadsApi', { name: 'leads-api' })
      .useTable(props.table, 'readWrite', 'append')
      // POST /leads makes the first choice itself, from the same files as the lead function.
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/places/*`)
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/snapshot/*`)
      .canInvokeAsync(lead, 'LEAD_FUNCTION_NAME')
      // Accepting or declining an offer wakes its lead's execution: only this function may.
      .canAnswerCallbacksOf(lead);
    const queryApi = new ServiceFunction(this, 'QueryApi', {
      name: 'query-api',
      ...(reserved.queryApi === undefined ? {} : { reservedConcurrency: reserved.queryApi }),
    })
      .useTable(props.table, 'read', 'read')
      .useBucket(props.bucket, 'read', `${IMPORT_PREFIX}*`)
      .useSecret(cursorSecret);
    // The model preview reads the partners and the current run's snapshot parts and places (tiers),
    // never the audit trail or the run's other files; it writes nothing.
    const previewApi = new ServiceFunction(this, 'PreviewApi', {
      name: 'preview-api',
      ...(reserved.previewApi === undefined ? {} : { reservedConcurrency: reserved.previewApi }),
    })
      .useTable(props.table, 'read')
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/places/*`)
      .useBucket(props.bucket, 'read', `${RUNS_PREFIX}*/snapshot/*`);
    // The console's static files, built beside the bundle; the page calls the API of its own origin,
    // PUTs uploads to the bucket's presigned URLs and, when sign-in is configured, the hosted login.
    const webConsole = new ServiceFunction(this, 'WebConsole', {
      name: 'web-console',
      afterBundling: (outputDir) => [`npx tsx infra/build-console.ts "${outputDir}/console"`],
    });
    const connectSrc = [`https://${props.bucket.bucketRegionalDomainName}`];
    if (props.consoleSignIn) connectSrc.push(props.consoleSignIn.domain);
    webConsole.addEnvironment('CONSOLE_CONNECT_SRC', connectSrc.join(' '));
    const portal = props.partnerPortal
      ? new PartnerPortalResources(this, 'Portal', props.partnerPortal)
      : undefined;
    if (portal) {
      portal.allowUserManagement(ingestApi);
      // Every HTTP function with data tells partner users apart, so a staff route refuses their tokens.
      for (const fn of [ingestApi, queryApi, previewApi, leadsApi])
        fn.addEnvironment('PORTAL_CLIENT_IDS', portal.client.userPoolClientId);
    }
    if (props.consoleSignIn) {
      webConsole.addEnvironment(
        'CONSOLE_AUTH',
        JSON.stringify({
          issuer: props.jwtIssuer,
          domain: props.consoleSignIn.domain,
          clientId: props.consoleSignIn.clientId,
          ...(portal ? { portalClientId: portal.client.userPoolClientId } : {}),
          scopes: props.consoleSignIn.scopes,
        }),
      );
    }
    this.portalClientId = portal?.client.userPoolClientId;
    this.functions = { ingestApi, queryApi, previewApi, leadsApi, importCsv, rescore, lead, webConsole };
    for (const fn of [ingestApi, queryApi, previewApi, leadsApi, webConsole]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously by API Gateway: a failure is returned to the caller, nothing is queued.',
      });
    }
    for (const fn of [importCsv, rescore, lead]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Async failures go to an SQS on-failure destination (below), which keeps the error context a DLQ would drop.',
      });
    }

    const alarms = new ServiceAlarms(this, 'Alarms', {
      alarmEmail: props.alarmEmail,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      rescoreStaleHours: 26,
    });
    for (const [name, fn] of Object.entries(this.functions)) alarms.watchFunction(name, fn);

    // A durable function's asynchronous invocation ends when its execution ends: a failed execution
    // (its steps' retries spent) lands on the queue; the execution is not started over, which would
    // be a new execution beside the failed one.
    for (const [name, fn] of [
      ['ImportFailures', importCsv],
      ['RescoreFailures', rescore],
      ['LeadFailures', lead],
    ] as const) {
      const dlq = this.deadLetterQueue(name);
      (fn.alias ?? fn).configureAsyncInvoke({
        retryAttempts: fn.alias ? 0 : ASYNC_RETRIES,
        maxEventAge: ASYNC_MAX_EVENT_AGE,
        onFailure: new SqsDestination(dlq),
      });
      alarms.watchDeadLetterQueue(name, dlq);
    }

    // Suffix filters are case-sensitive: one notification per spelling (`report.CSV` imports too).
    const importTarget = new LambdaDestination(importCsv.invocationTarget);
    for (const suffix of IMPORT_SUFFIXES) {
      props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, importTarget, {
        prefix: IMPORT_PREFIX,
        suffix,
      });
    }
    const notificationsHandler = stackChild(this, 'BucketNotificationsHandler');
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK’s own custom resource that writes the bucket notification configuration at deploy time.',
      });
    }

    const scheduleFailures = this.deadLetterQueue('ScheduleFailures');
    alarms.watchDeadLetterQueue('ScheduleFailures', scheduleFailures);
    new scheduler.Schedule(this, 'NightlyRescore', {
      description: 'Nightly rescore of every partner at 02:00 UTC',
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', timeZone: TimeZone.ETC_UTC }),
      target: new LambdaInvoke(rescore.invocationTarget, {
        // Shaped like the scheduled event the local stack delivers: `time` is the slot, the same on
        // every retry of one night, so a redelivery names the same run.
        input: scheduler.ScheduleTargetInput.fromObject({
          version: '0',
          id: scheduler.ContextAttribute.executionId,
          'detail-type': 'Scheduled Event',
          source: 'aws.scheduler',
          time: scheduler.ContextAttribute.scheduledTime,
          resources: [scheduler.ContextAttribute.scheduleArn],
          detail: {},
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: scheduleFailures,
      }),
    });
    const schedulerRole = stackChild(this, 'SchedulerRoleForTarget');
    if (schedulerRole) {
      const rescoreId = Stack.of(this).getLogicalId(rescore.node.defaultChild as CfnElement);
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${rescoreId}.Arn>:*]`,
        reason:
          'The scheduler’s role may invoke the rescore function and its versions only (CDK LambdaInvoke grant).',
      });
    }

    this.http = new ServiceHttpApi(this, 'Http', {
      functions: {
        'ingest-api': ingestApi,
        'query-api': queryApi,
        'preview-api': previewApi,
        'leads-api': leadsApi,
        'web-console': webConsole,
      },
      jwtIssuer: props.jwtIssuer,
      // The portal's tokens carry its app client id: the API accepts that audience too.
      jwtAudience: portal ? [...props.jwtAudience, portal.client.userPoolClientId] : props.jwtAudience,
      throttle: { rateLimit: 100, burstLimit: 200 },
      corsAllowedOrigins: props.corsAllowedOrigins,
    });
    // The functions answer their own errors as 5xx responses, which Lambda's Errors never counts.
    alarms.watchHttpApi('HttpApi', this.http.stage);
  }

  private deadLetterQueue(id: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id: rule,
        reason: 'This queue is itself a dead-letter queue; its messages are inspected and redriven by hand.',
      });
    }
    return queue;
  }
}

/** A construct CDK keeps once per stack (custom-resource handlers, scheduler roles), found by id prefix. */
function stackChild(scope: Construct, idPrefix: string): IConstruct | undefined {
  return Stack.of(scope).node.children.find((child) => child.node.id.startsWith(idPrefix));
}
