import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CORS_POLICY } from '#functions/http/cors.ts';
import { type HttpFunctionName, ROUTES, type RouteSpec } from '#functions/routes.ts';

/** One JSON line per request; `requestId` is what API Gateway requires in every access log format. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    // Who called: the verified token's subject and app client (as the audit trail records them).
    subject: '$context.authorizer.claims.sub',
    clientId: '$context.authorizer.claims.client_id',
  }),
);

export interface ServiceHttpApiProps {
  /** The function serving each route's `function` of `ROUTES`. */
  functions: Record<HttpFunctionName, IFunction>;
  jwtIssuer: string;
  jwtAudience: string[];
  /** Default stage throttling, requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Origins a browser app may call the API from (`corsAllowedOrigins`, as for the bucket). */
  corsAllowedOrigins: string[];
}

/**
 * The HTTP API: one route per entry of `ROUTES` (no second list), each behind the JWT authorizer
 * with its scope (partner users' routes without one), except the open routes (health check, API description); default-stage throttling and JSON access logs.
 */
export class ServiceHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Partner scoring service',
      createDefaultStage: false,
      // API Gateway answers the preflight OPTIONS itself (before the authorizer) and adds the headers.
      corsPreflight: {
        allowOrigins: props.corsAllowedOrigins,
        allowMethods: CORS_POLICY.allowMethods.map((method) => apigw.CorsHttpMethod[method]),
        allowHeaders: [...CORS_POLICY.allowHeaders],
        exposeHeaders: [...CORS_POLICY.exposeHeaders],
        maxAge: Duration.seconds(CORS_POLICY.maxAgeSeconds),
      },
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: props.jwtAudience,
    });
    const integrations = new Map<HttpFunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.function}-integration`,
          props.functions[route.function],
        );
        integrations.set(route.function, integration);
      }
      const added = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        // A partner user's route (`/me…`) is behind the authorizer without a scope: the function
        // admits partner users only (functions/http/access.ts).
        ...(route.scope
          ? { authorizer, authorizationScopes: [route.scope] }
          : (route as RouteSpec).partner
            ? { authorizer }
            : {}),
      });
      if (!route.scope && !(route as RouteSpec).partner) {
        for (const open of added) {
          Validations.of(open).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is open (contract §3: the health check, the API description or the console's static files); it reads no data.`,
          });
        }
      }
    }
  }
}
