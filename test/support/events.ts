import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  S3Event,
  ScheduledEvent,
} from 'aws-lambda';

export interface HttpEventOptions {
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The JWT authorizer's claims (`sub`, `client_id`, …), as API Gateway passes a verified token's. */
  claims?: Record<string, string>;
}

/** The route and the request, in one object. */
export interface HttpEventInput extends HttpEventOptions {
  /** `"POST /partners"`: API Gateway's routeKey. */
  routeKey: string;
}

/**
 * An API Gateway HTTP API (payload 2.0) event for a route (`"POST /partners"`), as Lambda
 * receives it; the raw path is built from the route and `pathParameters`. Takes
 * `(routeKey, options)` or one `{ routeKey, ...options }` object.
 */
export function httpEvent(routeKey: string, options?: HttpEventOptions): APIGatewayProxyEventV2;
export function httpEvent(input: HttpEventInput): APIGatewayProxyEventV2;
export function httpEvent(
  routeOrInput: string | HttpEventInput,
  maybeOptions: HttpEventOptions = {},
): APIGatewayProxyEventV2 {
  const routeKey = typeof routeOrInput === 'string' ? routeOrInput : routeOrInput.routeKey;
  const options = typeof routeOrInput === 'string' ? maybeOptions : routeOrInput;
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(options.pathParameters?.[name] ?? ''),
  );
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const query = options.query ?? {};
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {
      host: 'api.example.com',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** A handler's result with a JSON body parsed, any other kept as text (an empty body is `undefined`). */
export function parseResponse<T = Record<string, unknown>>(
  result: APIGatewayProxyStructuredResultV2 | string | undefined,
): { status: number; headers: Record<string, string>; body: T } {
  if (result === undefined || typeof result === 'string') throw new Error('expected a structured response');
  const raw = typeof result.body === 'string' ? result.body : '';
  const text = result.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const headers = (result.headers ?? {}) as Record<string, string>;
  // JSON bodies parsed; any other type (CSV, HTML) as its text.
  const json = /^application\/([\w.-]+\+)?json\b/.test(headers['content-type'] ?? 'application/json');
  return {
    status: result.statusCode ?? 200,
    headers,
    body: (text === '' ? undefined : json ? JSON.parse(text) : text) as T,
  };
}

/** An EventBridge Scheduler / rule "Scheduled Event" at `time`. */
export function scheduledEvent(time = new Date().toISOString()): ScheduledEvent {
  return {
    version: '0',
    id: `event-${Math.random().toString(36).slice(2)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly-rescore'],
    detail: {},
  };
}

export interface S3ObjectInput {
  bucket: string;
  key: string;
  eTag: string;
  size?: number;
  eventName?: string;
  eventTime?: string;
  /** S3's event order for the key; by default each event made here is later than the one before. */
  sequencer?: string;
}

let sequence = 0x55aed6dcd90281e5n;

/** An S3 notification event (version 2.1) for created objects, keys form-encoded as S3 sends them. */
export function s3Event(...objects: S3ObjectInput[]): S3Event {
  return {
    Records: objects.map((object) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: object.eventTime ?? new Date().toISOString(),
      eventName: object.eventName ?? 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:TEST' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'TEST', 'x-amz-id-2': 'TEST' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'partner-imports',
        bucket: {
          name: object.bucket,
          ownerIdentity: { principalId: 'TEST' },
          arn: `arn:aws:s3:::${object.bucket}`,
        },
        object: {
          key: encodeURIComponent(object.key).replace(/%20/g, '+').replace(/%2F/g, '/'),
          size: object.size ?? 0,
          eTag: object.eTag,
          sequencer: object.sequencer ?? `00${(sequence++).toString(16).toUpperCase()}`,
        },
      },
    })),
  };
}

/** A Lambda context whose remaining time is `remainingMs` (a number, or a function for a clock). */
export function lambdaContext(
  name = 'test-function',
  remainingMs: number | (() => number) = 60_000,
): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => (typeof remainingMs === 'number' ? remainingMs : remainingMs()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
