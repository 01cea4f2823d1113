import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES, type RouteSpec } from '#functions/routes.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, SERVICE_RUNTIME } from '#infra/constructs/service-function.ts';
import { PLACEHOLDER_JWT_AUDIENCE, PLACEHOLDER_JWT_ISSUER } from '#infra/service-app.ts';
import {
  DURABLE_ALIAS,
  DURABLE_FUNCTION_NAMES,
  NODE_MAJOR,
  SERVICE_FUNCTION_NAMES,
  SERVICE_FUNCTIONS,
  type ServiceFunctionName,
} from '#infra/service-functions.ts';
import { buildTestApp, DEPLOY_CONTEXT } from './build-app.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

const { template: service, stack } = buildTestApp();
const stackName = stack.stackName;

function functionLogicalId(template: Template, name: ServiceFunctionName): string {
  const found = Object.keys(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `${stackName}-${name}` } }),
  );
  expect(found, name).toHaveLength(1);
  return found[0] as string;
}

/** The `live` alias of a durable function. */
function aliasLogicalId(name: ServiceFunctionName): string {
  const found = Object.keys(
    service.findResources('AWS::Lambda::Alias', {
      Properties: { FunctionName: { Ref: functionLogicalId(service, name) }, Name: DURABLE_ALIAS },
    }),
  );
  expect(found, name).toHaveLength(1);
  return found[0] as string;
}

/** What triggers and invokers must target: a durable function's alias, any other function itself. */
function invocationRef(name: ServiceFunctionName): { Ref: string } {
  return { Ref: SERVICE_FUNCTIONS[name].durable ? aliasLogicalId(name) : functionLogicalId(service, name) };
}

/** How a function names itself to invoke itself: its name, qualified by the alias when durable. */
function selfName(name: ServiceFunctionName): string {
  return `${stackName}-${name}${SERVICE_FUNCTIONS[name].durable ? `:${DURABLE_ALIAS}` : ''}`;
}

function functionProps(name: ServiceFunctionName): Record<string, unknown> {
  return (service.toJSON().Resources[functionLogicalId(service, name)] as Resource).Properties;
}

function environmentOf(name: ServiceFunctionName): Record<string, unknown> {
  return (functionProps(name).Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Every Allow statement of the policies attached to the function's role. */
function statementsOf(name: ServiceFunctionName): Statement[] {
  const roleId = (functionProps(name).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = service.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

function actionsOf(name: ServiceFunctionName): string[] {
  return statementsOf(name)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => [statement.Action].flat());
}

const DYNAMO_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** What a read-only function may never do. */
const READ_ONLY_FORBIDDEN = [
  ...DYNAMO_WRITES,
  's3:PutObject',
  's3:DeleteObject',
  'lambda:InvokeFunction',
  'events:PutEvents',
];

describe('service functions', () => {
  it.each(SERVICE_FUNCTION_NAMES)(
    '%s: newest Node.js runtime, ARM64, X-Ray, its memory and timeout',
    (name) => {
      expect(SERVICE_RUNTIME.name).toBe(`nodejs${NODE_MAJOR}.x`);
      expect(functionProps(name)).toMatchObject({
        Runtime: SERVICE_RUNTIME.name,
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: SERVICE_FUNCTIONS[name].memoryMb,
        Timeout: SERVICE_FUNCTIONS[name].timeoutSeconds,
      });
      expect(environmentOf(name)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: 'PartnerScoring',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      // The heap may grow to three quarters of the function's memory, not V8's quarter of the machine.
      expect(String(environmentOf(name).NODE_OPTIONS)).toBe(
        `--enable-source-maps --max-old-space-size=${Math.floor(SERVICE_FUNCTIONS[name].memoryMb * 0.75)}`,
      );
    },
  );

  it("gives the rescore function's heap room for the central scoring of 10M partners (~4 GB)", () => {
    expect(SERVICE_FUNCTIONS.rescore.memoryMb * 0.75).toBeGreaterThanOrEqual(4096);
  });

  it.each(SERVICE_FUNCTION_NAMES)('%s: logs to its own log group with a retention', (name) => {
    const logGroupId = (functionProps(name).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(service.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  it('grants no wildcard action and no managed policy to any function', () => {
    for (const name of SERVICE_FUNCTION_NAMES) {
      const actions = actionsOf(name);
      expect(actions, name).toEqual(
        expect.arrayContaining(
          name === 'web-console' ? ['logs:PutLogEvents'] : ['logs:PutLogEvents', 'dynamodb:GetItem'],
        ),
      );
      for (const action of actions) expect(action, name).not.toContain('*');
      const roleId = (functionProps(name).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(
        (service.toJSON().Resources[roleId] as Resource).Properties.ManagedPolicyArns,
        name,
      ).toBeUndefined();
    }
  });

  it('web-console touches no data: no table, bucket, secret or event bus access', () => {
    expect(
      actionsOf('web-console').filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:')),
    ).toEqual([]);
    expect(Object.keys(environmentOf('web-console'))).not.toContain('TABLE_NAME');
  });

  it('query-api reads only: no table writes, no s3:PutObject, the cursor secret', () => {
    const actions = actionsOf('query-api');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject']));
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    for (const forbidden of READ_ONLY_FORBIDDEN) expect(actions).not.toContain(forbidden);
    expect(Object.keys(environmentOf('query-api'))).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'BUCKET_NAME', 'CURSOR_SECRET_ARN']),
    );
    // Objects: uploads only (the error reports it presigns), nothing of the runs.
    const get = statementsOf('query-api').filter((statement) => statement.Action === 's3:GetObject');
    expect(JSON.stringify(get.map((statement) => statement.Resource))).toContain('/imports/*');
    expect(JSON.stringify(get.map((statement) => statement.Resource))).not.toContain('/runs/');
  });

  it("preview-api reads only: the table (not the audit trail) and the runs' snapshot parts and places", () => {
    const actions = actionsOf('preview-api');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject']));
    for (const forbidden of [...READ_ONLY_FORBIDDEN, 'secretsmanager:GetSecretValue'])
      expect(actions).not.toContain(forbidden);
    const resources = JSON.stringify(
      statementsOf('preview-api')
        .filter((statement) => statement.Action === 's3:GetObject')
        .map((statement) => statement.Resource),
    );
    expect(resources).toContain('/runs/*/places/*');
    expect(resources).toContain('/runs/*/snapshot/*');
    expect(resources).not.toContain('/runs/*"');
    expect(resources).not.toContain('imports/');
  });

  it('ingest-api writes the table, presigns PUTs under imports/, reads no object, may invoke rescore only', () => {
    const actions = actionsOf('ingest-api');
    expect(actions).toEqual(
      expect.arrayContaining([...DYNAMO_WRITES, 's3:PutObject', 'lambda:InvokeFunction']),
    );
    for (const forbidden of ['s3:GetObject', 's3:DeleteObject', 'events:PutEvents'])
      expect(actions).not.toContain(forbidden);
    const put = statementsOf('ingest-api').find((statement) => statement.Action === 's3:PutObject');
    expect(JSON.stringify(put?.Resource)).toContain('/imports/*');
    expect(environmentOf('ingest-api').RESCORE_FUNCTION_NAME).toEqual(invocationRef('rescore'));
    expect(environmentOf('ingest-api').LEAD_FUNCTION_NAME).toBeUndefined();
  });

  it('leads-api writes the table, reads only run snapshots and places, may invoke lead only', () => {
    const actions = actionsOf('leads-api');
    expect(actions).toEqual(
      expect.arrayContaining([...DYNAMO_WRITES, 's3:GetObject', 'lambda:InvokeFunction']),
    );
    for (const forbidden of [
      's3:PutObject',
      's3:DeleteObject',
      'events:PutEvents',
      'secretsmanager:GetSecretValue',
    ])
      expect(actions).not.toContain(forbidden);
    const gets = statementsOf('leads-api').filter((statement) => statement.Action === 's3:GetObject');
    expect(
      gets.map((statement) => JSON.stringify(statement.Resource).match(/runs\/\*\/\w+\/\*/)?.[0]).sort(),
    ).toEqual(['runs/*/places/*', 'runs/*/snapshot/*']);
    expect(environmentOf('leads-api').LEAD_FUNCTION_NAME).toEqual(invocationRef('lead'));
    expect(environmentOf('leads-api').RESCORE_FUNCTION_NAME).toBeUndefined();
  });

  it('only leads-api may answer the lead workflow’s durable callbacks, on the lead function’s qualified ARNs', () => {
    const callbackActions = (name: ServiceFunctionName) =>
      statementsOf(name).filter((statement) =>
        [statement.Action]
          .flat()
          .some((action) => String(action).startsWith('lambda:SendDurableExecutionCallback')),
      );
    const granted = callbackActions('leads-api');
    expect(granted).toHaveLength(1);
    expect(JSON.stringify(granted[0]?.Resource)).toContain(`function:${stackName}-lead:*`);
    for (const name of SERVICE_FUNCTION_NAMES.filter((n) => n !== 'leads-api')) {
      expect(callbackActions(name), name).toEqual([]);
    }
  });

  it('import-csv reads uploads, writes and cleans up error reports, and invokes only rescore', () => {
    const actions = actionsOf('import-csv');
    expect(actions).toEqual(
      expect.arrayContaining([
        ...DYNAMO_WRITES,
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        'lambda:InvokeFunction',
      ]),
    );
    const env = environmentOf('import-csv');
    // No continuation of itself: the durable execution carries a long import from step to step.
    expect(env.IMPORT_FUNCTION_NAME).toBeUndefined();
    expect(env.RESCORE_FUNCTION_NAME).toEqual(invocationRef('rescore'));
    const invokes = statementsOf('import-csv').filter(
      (statement) => statement.Action === 'lambda:InvokeFunction',
    );
    expect(invokes).toHaveLength(1);
    expect(JSON.stringify(invokes)).not.toContain(`:function:${stackName}-import-csv`);
  });

  it('rescore writes the table and its run files, may only PutEvents to the service bus, and invokes itself for a follow-up run', () => {
    const actions = actionsOf('rescore');
    expect(actions).toEqual(expect.arrayContaining([...DYNAMO_WRITES, 'lambda:InvokeFunction']));
    expect(environmentOf('rescore').RESCORE_FUNCTION_NAME).toBe(selfName('rescore'));
    // Its run files only (runs/*), never the uploads.
    const objects = statementsOf('rescore').filter((statement) =>
      [statement.Action].flat().includes('s3:GetObject'),
    );
    expect(JSON.stringify(objects.map((statement) => statement.Resource))).toContain('/runs/*');
    expect(JSON.stringify(objects.map((statement) => statement.Resource))).not.toContain('imports/');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    const busId = Object.keys(service.findResources('AWS::Events::EventBus'))[0];
    const putEvents = statementsOf('rescore').filter((statement) =>
      [statement.Action].flat().includes('events:PutEvents'),
    );
    expect(putEvents).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
    expect(environmentOf('rescore').EVENT_BUS_NAME).toEqual({ Ref: busId });
  });

  it('keeps a generated cursor secret', () => {
    service.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });

  it('sends failed async invocations of import-csv, rescore and lead to SQS dead-letter queues', () => {
    for (const name of ['import-csv', 'rescore', 'lead'] as const) {
      const durable = SERVICE_FUNCTIONS[name].durable !== undefined;
      service.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionLogicalId(service, name) },
        // A durable function's failed execution goes to the queue, never started over beside it.
        Qualifier: durable ? Match.anyValue() : '$LATEST',
        MaximumRetryAttempts: durable ? 0 : 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
      });
    }
    service.resourceCountIs('AWS::SQS::Queue', 4);
  });
});

describe('durable functions', () => {
  it('rescore and import-csv are durable functions', () => {
    expect(DURABLE_FUNCTION_NAMES).toEqual(expect.arrayContaining(['rescore', 'import-csv']));
  });

  it.each(DURABLE_FUNCTION_NAMES)(
    '%s: durable config, a live alias, checkpoints on its qualified ARNs only',
    (name) => {
      const spec = SERVICE_FUNCTIONS[name].durable;
      expect(functionProps(name).DurableConfig).toEqual({
        ExecutionTimeout: (spec?.executionTimeoutHours ?? 0) * 3600,
        RetentionPeriodInDays: spec?.retentionDays,
      });
      aliasLogicalId(name);
      const checkpoint = statementsOf(name).filter((statement) =>
        [statement.Action].flat().includes('lambda:CheckpointDurableExecution'),
      );
      expect(checkpoint).toHaveLength(1);
      expect([checkpoint[0]?.Action].flat().sort()).toEqual([
        'lambda:CheckpointDurableExecution',
        'lambda:GetDurableExecutionState',
      ]);
      expect(JSON.stringify(checkpoint[0]?.Resource)).toMatch(
        new RegExp(`:function:${stackName}-${name}:\\*"`),
      );
    },
  );

  it('grants the durable checkpoint API to no function that is not durable', () => {
    for (const name of SERVICE_FUNCTION_NAMES.filter((n) => !SERVICE_FUNCTIONS[n].durable)) {
      expect(actionsOf(name)).not.toContain('lambda:CheckpointDurableExecution');
      expect(functionProps(name).DurableConfig).toBeUndefined();
    }
  });
});

describe('HTTP API', () => {
  const resources = service.toJSON().Resources as Record<string, Resource>;

  it('has exactly the routes of ROUTES, each with its scope (partner routes behind the authorizer without one); /health is open', () => {
    service.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    for (const route of ROUTES as readonly RouteSpec[]) {
      service.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        ...(route.scope
          ? { AuthorizationType: 'JWT', AuthorizationScopes: [route.scope], AuthorizerId: Match.anyValue() }
          : route.partner
            ? {
                AuthorizationType: 'JWT',
                AuthorizationScopes: Match.absent(),
                AuthorizerId: Match.anyValue(),
              }
            : { AuthorizationType: 'NONE', AuthorizationScopes: Match.absent() }),
      });
    }
  });

  it('sends each route to the function that serves it', () => {
    for (const route of ROUTES) {
      const [, routeResource] =
        Object.entries(resources).find(
          ([, resource]) =>
            resource.Type === 'AWS::ApiGatewayV2::Route' &&
            resource.Properties.RouteKey === `${route.method} ${route.path}`,
        ) ?? [];
      const target = JSON.stringify(routeResource?.Properties.Target);
      const integrationId = Object.keys(resources).find((id) => target.includes(`"${id}"`));
      const uri = JSON.stringify(resources[integrationId ?? '']?.Properties.IntegrationUri);
      expect(uri, `${route.method} ${route.path}`).toContain(
        `"${functionLogicalId(service, route.function)}"`,
      );
    }
  });

  it('validates JWTs from the context issuer and audience', () => {
    service.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: DEPLOY_CONTEXT.jwtIssuer, Audience: [DEPLOY_CONTEXT.jwtAudience] },
    });
  });

  it('audit items: only the write functions append (PutItem), only query-api reads, nobody changes or deletes one', () => {
    const auditDenied = (name: ServiceFunctionName) => {
      const denies = statementsOf(name).filter(
        (statement) =>
          statement.Effect === 'Deny' &&
          [statement.Condition?.['ForAnyValue:StringLike']?.['dynamodb:LeadingKeys']].flat().join() ===
            'AUDIT#*',
      );
      expect(denies, name).toHaveLength(1);
      return [denies[0]?.Action].flat();
    };
    const never = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    const reads = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
    for (const name of ['ingest-api', 'leads-api', 'import-csv'] as const) {
      const denied = auditDenied(name);
      expect(denied, name).toEqual(expect.arrayContaining([...never, ...reads]));
      expect(denied, name).not.toContain('dynamodb:PutItem');
    }
    const query = auditDenied('query-api');
    expect(query).toEqual(expect.arrayContaining([...never, 'dynamodb:PutItem']));
    for (const read of reads) expect(query).not.toContain(read);
    for (const name of ['rescore', 'preview-api'] as const)
      expect(auditDenied(name), name).toEqual(
        expect.arrayContaining([...never, 'dynamodb:PutItem', ...reads]),
      );
    // A Scan has no leading key for the condition to match: no function may scan.
    for (const name of [
      'ingest-api',
      'leads-api',
      'import-csv',
      'query-api',
      'preview-api',
      'rescore',
    ] as const) {
      expect(
        statementsOf(name).some(
          (statement) => statement.Effect === 'Deny' && statement.Action === 'dynamodb:Scan',
        ),
        name,
      ).toBe(true);
    }
  });

  it('throttles the default stage and writes access logs with the caller', () => {
    service.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    service.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: {
        Format: Match.stringLikeRegexp(
          '"subject":"\\$context\\.authorizer\\.claims\\.sub","clientId":"\\$context\\.authorizer\\.claims\\.client_id"',
        ),
      },
    });
  });

  it('synthesizes with placeholder issuer and audience, and warns', () => {
    const { template: placeholder, stack: placeholderStack } = buildTestApp({});
    placeholder.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: PLACEHOLDER_JWT_ISSUER, Audience: [PLACEHOLDER_JWT_AUDIENCE] },
    });
    const warnings = placeholderStack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');
    expect(JSON.stringify(warnings)).toContain('jwtIssuer');
    expect(stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning')).toEqual([]);
  });
});

describe('triggers', () => {
  it('runs rescore nightly at 02:00 UTC with retries and a dead-letter queue', () => {
    service.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: {
        Arn: invocationRef('rescore'),
        Input: Match.serializedJson(
          Match.objectLike({
            'detail-type': 'Scheduled Event',
            source: 'aws.scheduler',
            time: '<aws.scheduler.scheduled-time>',
          }),
        ),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
      },
    });
  });

  it('imports every .csv and .CSV created under imports/ (S3 suffix filters are case-sensitive)', () => {
    const rule = (suffix: string) => ({
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: [
            { Name: 'suffix', Value: suffix },
            { Name: 'prefix', Value: 'imports/' },
          ],
        },
      },
      LambdaFunctionArn: SERVICE_FUNCTIONS['import-csv'].durable
        ? invocationRef('import-csv')
        : { 'Fn::GetAtt': [functionLogicalId(service, 'import-csv'), 'Arn'] },
    });
    service.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { LambdaFunctionConfigurations: [rule('.csv'), rule('.CSV')] },
    });
  });
});

describe('alarms', () => {
  it('watches errors and throttles of every function', () => {
    for (const name of SERVICE_FUNCTION_NAMES) {
      for (const metric of ['Errors', 'Throttles']) {
        service.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(service, name) } }],
          Threshold: 1,
          AlarmActions: [{ Ref: Match.anyValue() }],
        });
      }
    }
  });

  it('fires when a dead-letter queue holds a message', () => {
    const dlqAlarms = service.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      },
    });
    expect(Object.keys(dlqAlarms)).toHaveLength(4);
  });

  it('fires when no rescore completed in 26 hours, counting missing data as breaching', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'RescoreCompleted',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('fires when a write’s audit record could not be stored', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'AuditWriteFailed',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });

  it('lets CloudWatch publish to the TLS-only alarm topic', () => {
    service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('notifies the alarm topic, by email when alarmEmail is given', () => {
    service.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: DEPLOY_CONTEXT.alarmEmail,
    });
    buildTestApp({}).template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

it('outputs the API URL, bucket, table and event bus names', () => {
  for (const output of ['ApiUrl', 'BucketName', 'TableName', 'EventBusName']) {
    service.hasOutput(output, { Value: Match.anyValue() });
  }
});
