import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Env } from '#core/config.ts';
import { AUDIT_PK_PREFIX } from '#core/keys.ts';
import {
  BUNDLE_OPTIONS,
  DURABLE_ALIAS,
  functionEntry,
  NODE_MAJOR,
  PROJECT_ROOT,
  SERVICE_FUNCTIONS,
  type ServiceFunctionName,
} from '../service-functions.ts';

/** Powertools `service` name: also the `service` dimension of the service's custom metrics. */
export const SERVICE_NAME = 'partner-scoring';
/** CloudWatch namespace of the service's custom metrics (Powertools). */
export const METRICS_NAMESPACE = 'PartnerScoring';
/**
 * The functions' Lambda runtime, `nodejs<NODE_MAJOR>.x`: the same constant sets esbuild's target
 * (`BUNDLE_OPTIONS.target`) and the Node.js the project runs on locally (the `node` devDependency).
 */
export const SERVICE_RUNTIME = lambdaNodeRuntime(NODE_MAJOR);

/** aws-cdk-lib's `Runtime` for a Node.js major version; throws if this aws-cdk-lib has none. */
export function lambdaNodeRuntime(major: number): lambda.Runtime {
  const runtime = Object.values(lambda.Runtime).find(
    (candidate): candidate is lambda.Runtime =>
      candidate instanceof lambda.Runtime && candidate.name === `nodejs${major}.x`,
  );
  if (!runtime) {
    throw new Error(
      `aws-cdk-lib has no Lambda runtime nodejs${major}.x: upgrade aws-cdk-lib or lower NODE_MAJOR`,
    );
  }
  return runtime;
}

export interface ServiceFunctionProps {
  name: ServiceFunctionName;
  /** Shell commands run after esbuild, to put more files beside the bundle (run in the project root). */
  afterBundling?: (outputDir: string) => string[];
  /**
   * Concurrent executions reserved for the function, which are also its most; none when unset (it
   * shares the account's unreserved pool).
   */
  reservedConcurrency?: number;
}

type EnvName = keyof Env;

/**
 * What a function may do with the audit items of the table (`AUDIT#…` partition keys): nothing,
 * `append` new ones (PutItem only: the write functions), or `read` them (the query function).
 */
export type AuditAccess = 'none' | 'append' | 'read';

/** Item actions on audit keys denied to every function: audit items are never changed nor deleted (TTL expires them). */
const AUDIT_NEVER = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const AUDIT_READS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const AUDIT_DENIED: Record<AuditAccess, string[]> = {
  none: [...AUDIT_NEVER, 'dynamodb:PutItem', ...AUDIT_READS],
  append: [...AUDIT_NEVER, ...AUDIT_READS],
  read: [...AUDIT_NEVER, 'dynamodb:PutItem'],
};

/**
 * One of the service's Lambda functions: `functions/<name>.ts` bundled by esbuild (ESM, minified,
 * source maps, `@aws-sdk/*` from the runtime), ARM64, X-Ray, its own log group, Powertools settings.
 * The `use…` / `can…` methods set an environment variable and grant the access it implies in one
 * call, so no function holds a name it may not use or a permission it has no name for.
 */
export class ServiceFunction extends NodejsFunction {
  /** The function's physical name, known at synth time (a self-invoking function needs it). */
  readonly serviceFunctionName: string;
  /** The execution role: may write its own log group only, plus what the `use…` methods grant. */
  readonly executionRole: iam.Role;
  /**
   * What triggers and invokers target: the `live` alias of a durable function (a durable execution
   * must be started through a qualified ARN), the function itself otherwise.
   */
  readonly invocationTarget: lambda.IFunction;
  /** The `live` alias, for a durable function. */
  readonly alias: lambda.Alias | undefined;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const spec = SERVICE_FUNCTIONS[props.name];
    const functionName = `${Stack.of(scope).stackName}-${props.name}`;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy, which may write to any
    // log group of the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      functionName,
      description: spec.description,
      entry: functionEntry(props.name),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      runtime: SERVICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.durable
        ? {
            durableConfig: {
              executionTimeout: Duration.hours(spec.durable.executionTimeoutHours),
              retentionPeriod: Duration.days(spec.durable.retentionDays),
            },
          }
        : {}),
      tracing: lambda.Tracing.ACTIVE,
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // V8 would size its heap from a quarter of the machine's memory; let it use three quarters of
        // the function's (the rest is for buffers and typed arrays, which live outside the heap).
        NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${Math.floor(spec.memoryMb * 0.75)}`,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_OPTIONS.target,
        minify: BUNDLE_OPTIONS.minify,
        sourceMap: BUNDLE_OPTIONS.sourcemap,
        externalModules: [...BUNDLE_OPTIONS.external],
        mainFields: [...BUNDLE_OPTIONS.mainFields],
        banner: BUNDLE_OPTIONS.banner,
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [
                  `cd "${inputDir}"`,
                  ...(props.afterBundling?.(outputDir) ?? []),
                ],
              },
            }
          : {}),
      },
    });
    this.serviceFunctionName = functionName;
    this.executionRole = role;
    this.alias = spec.durable ? this.addAlias(DURABLE_ALIAS) : undefined;
    this.invocationTarget = this.alias ?? this;
    if (spec.durable) this.grantDurableExecution();
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
    });
  }

  /**
   * The durable SDK's checkpoint API on this function's qualified ARNs only (`…:function:NAME:*`:
   * its versions and alias; durable executions never run on the unqualified function). The ARN is
   * formatted from the synth-time name: a reference to the function's own resource would be circular.
   */
  private grantDurableExecution(): void {
    const qualified = `${this.ownArn()}:*`;
    iam.Grant.addToPrincipal({
      grantee: this,
      actions: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
      resourceArns: [qualified],
    });
    // cdk-nag names the resource as synthesized: a stack with a region (`npm run synth` takes it from
    // cdk.json) has it spelled out, one without has the pseudo parameter.
    const { region, account } = Stack.of(this);
    const regionPart = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    const accountPart = Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
    Validations.of(this.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:${regionPart}:${accountPart}:function:${this.serviceFunctionName}:*]`,
      reason:
        'Durable executions checkpoint through the qualified ARNs (versions, alias) of this function only.',
    });
  }

  /**
   * Permission to answer `target`'s durable callbacks (SendDurableExecutionCallbackSuccess, Failure,
   * Heartbeat) on its qualified ARNs (`…:function:NAME:*`, where its executions run), and nothing
   * else of it: the one function that may wake a waiting execution.
   */
  canAnswerCallbacksOf(target: ServiceFunction): this {
    iam.Grant.addToPrincipal({
      grantee: this,
      actions: [
        'lambda:SendDurableExecutionCallbackSuccess',
        'lambda:SendDurableExecutionCallbackFailure',
        'lambda:SendDurableExecutionCallbackHeartbeat',
      ],
      resourceArns: [`${target.ownArn()}:*`],
    });
    const { region, account } = Stack.of(this);
    const regionPart = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    const accountPart = Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
    Validations.of(this.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:${regionPart}:${accountPart}:function:${target.serviceFunctionName}:*]`,
      reason: `Callbacks address the durable executions of ${target.serviceFunctionName}, which run on its qualified ARNs only.`,
    });
    return this;
  }

  /** This function's unqualified ARN, from its synth-time name. */
  private ownArn(): string {
    return Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: this.serviceFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * `TABLE_NAME`, and read (GetItem, Query, …) or read/write data access to the table, except on the
   * audit items, where `audit` decides (a Deny on the `dynamodb:LeadingKeys` of `AUDIT#…`, which
   * no Allow overrides). Scan is denied outright: no function scans, and a Scan has no leading key
   * the audit condition could match.
   */
  useTable(table: ITableV2, access: 'read' | 'readWrite', audit: AuditAccess = 'none'): this {
    this.addEnvironment('TABLE_NAME' satisfies EnvName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    const resources = [table.tableArn, `${table.tableArn}/index/*`];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `AuditItems${audit === 'none' ? 'NoAccess' : audit === 'append' ? 'AppendOnly' : 'ReadOnly'}`,
        effect: iam.Effect.DENY,
        actions: AUDIT_DENIED[audit],
        resources,
        conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUDIT_PK_PREFIX}*`] } },
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'NoTableScan',
        effect: iam.Effect.DENY,
        actions: ['dynamodb:Scan'],
        resources,
      }),
    );
    return this;
  }

  /**
   * `BUCKET_NAME`, and object access under `keyPattern` only: `read` = GetObject (also what a
   * presigned GET needs), `put` = PutObject (presigned PUT), `readWrite` = both plus DeleteObject
   * (temporary objects such as error-report parts) and aborting a multipart upload. Exact actions rather than `grantRead`'s `s3:GetObject*` / `s3:List*` wildcards.
   */
  useBucket(bucket: IBucket, access: 'read' | 'put' | 'readWrite', keyPattern = 'imports/*'): this {
    this.addEnvironment('BUCKET_NAME' satisfies EnvName, bucket.bucketName);
    const actions = {
      read: ['s3:GetObject'],
      put: ['s3:PutObject'],
      readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    }[access];
    iam.Grant.addToPrincipal({ grantee: this, actions, resourceArns: [bucket.arnForObjects(keyPattern)] });
    Validations.of(this.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(this, bucket)}/${keyPattern}]`,
      reason: `Object access is limited to the ${keyPattern} prefix; object keys are chosen at run time.`,
    });
    return this;
  }

  /** `EVENT_BUS_NAME`, and PutEvents on that bus only. */
  useEventBus(bus: IEventBus): this {
    this.addEnvironment('EVENT_BUS_NAME' satisfies EnvName, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /** `CURSOR_SECRET_ARN`, and read access to that secret. */
  useSecret(secret: ISecret): this {
    this.addEnvironment('CURSOR_SECRET_ARN' satisfies EnvName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /**
   * `envName` = the target's name (its `live` alias for a durable function), and permission to
   * invoke exactly that (asynchronously, `Event`). A function invoking itself is granted by its
   * synth-time ARN: a reference to its own resource would be a circular dependency.
   */
  canInvokeAsync(target: ServiceFunction, envName: 'RESCORE_FUNCTION_NAME' | 'LEAD_FUNCTION_NAME'): this {
    if (target === this) {
      const qualifier = this.alias ? `:${DURABLE_ALIAS}` : '';
      const arn = `${this.ownArn()}${qualifier}`;
      this.addEnvironment(envName, `${this.serviceFunctionName}${qualifier}`);
      iam.Grant.addToPrincipal({ grantee: this, actions: ['lambda:InvokeFunction'], resourceArns: [arn] });
    } else if (target.alias) {
      this.addEnvironment(envName, target.alias.functionArn);
      target.alias.grantInvoke(this);
    } else {
      this.addEnvironment(envName, target.functionName);
      target.grantInvokeLatestVersion(this);
    }
    return this;
  }
}

/** How cdk-nag names `bucket`'s ARN in a policy of `scope`'s stack: `<Logical.Arn>`. */
function nagReference(scope: Construct, bucket: IBucket): string {
  const bucketResource = bucket.node.defaultChild as CfnElement | undefined;
  if (!bucketResource || Stack.of(bucket) !== Stack.of(scope)) {
    throw new Error(`useBucket needs a bucket defined in the function's own stack, got ${bucket.node.path}`);
  }
  return `<${Stack.of(bucket).getLogicalId(bucketResource)}.Arn>`;
}
