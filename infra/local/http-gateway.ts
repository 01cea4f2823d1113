import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { corsHeaders } from '#functions/http/cors.ts';
import { MAX_BODY_BYTES } from '#functions/http/http-handler.ts';
import { ROUTES, type RouteSpec, routeKey } from '#functions/routes.ts';

/** A route of `functions/routes.ts` matched against a request path. */
export interface RouteMatch {
  route: RouteSpec;
  pathParameters: Record<string, string>;
}

/**
 * Finds the route for a method and raw path as API Gateway does: `{param}` matches one segment,
 * and a literal segment wins over a parameter (`/runs/latest` before `/runs/{runId}`).
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | null {
  const segments = rawPath.split('/');
  let best: (RouteMatch & { literals: number }) | null = null;
  for (const route of ROUTES as readonly RouteSpec[]) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let literals = 0;
    const matches = pattern.every((part, index) => {
      const segment = segments[index] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') return false;
        const value = safeDecode(segment);
        if (value === null) return false;
        pathParameters[part.slice(1, -1)] = value;
        return true;
      }
      literals++;
      return part === segment;
    });
    if (matches && (!best || literals > best.literals)) best = { route, pathParameters, literals };
  }
  return best && { route: best.route, pathParameters: best.pathParameters };
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Content types API Gateway passes as text; every other body arrives base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript'
  );
}

/** The request as API Gateway's HTTP API hands it to Lambda (payload format 2.0). */
export function toHttpApiEvent(
  request: IncomingMessage,
  match: RouteMatch,
  body: Buffer,
  now = new Date(),
  claims?: JWTPayload,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const rawQueryIndex = (request.url ?? '').indexOf('?');
  const rawQueryString = rawQueryIndex === -1 ? '' : (request.url ?? '').slice(rawQueryIndex + 1);
  const rawPath = url.pathname;

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(';').map((cookie) => cookie.trim())];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }

  const hasBody = body.length > 0;
  const isBase64Encoded = hasBody && !isTextContentType(headers['content-type']);
  const method = request.method ?? 'GET';
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

  return {
    version: '2.0',
    routeKey: routeKey(match.route),
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    ...(hasBody ? { body: isBase64Encoded ? body.toString('base64') : body.toString('utf8') } : {}),
    isBase64Encoded,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: routeKey(match.route),
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims: claimStrings(claims), scopes: null } } } : {}),
    },
  } as APIGatewayProxyEventV2;
}

/**
 * Claims as API Gateway hands them to Lambda (payload 2.0): every value a string, an array as
 * `"[a b]"` (so the functions parse what they will get on AWS).
 */
export function claimStrings(claims: JWTPayload): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    strings[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  }
  return strings;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `24/Nov/2026:21:38:20 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

// An oversized body is read and dropped up to this many times the limit, so that the client, still
// sending, gets the 413 rather than a broken pipe; beyond it the connection is cut.
const DISCARD_FACTOR = 4;

/**
 * Reads the request body, refusing more than `limit` bytes without keeping them: past the limit the
 * rest is read and dropped, then the promise rejects with {@link BodyTooLargeError}; a body declared
 * or growing beyond `DISCARD_FACTOR` times the limit is refused at once.
 */
export function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = (size: number) =>
    new BodyTooLargeError(
      `The body is ${size > limit * DISCARD_FACTOR ? 'over ' : ''}${size} bytes; the limit is ${limit}.`,
    );
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit * DISCARD_FACTOR)
    return Promise.reject(tooLarge(declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (size > limit * DISCARD_FACTOR) {
        request.removeAllListeners('data');
        request.pause();
        reject(tooLarge(size));
      }
    });
    request.on('end', () => (size > limit ? reject(tooLarge(size)) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** Writes a Lambda result back as API Gateway does (structured, or any other value as JSON). */
export function writeLambdaResult(response: ServerResponse, result: unknown): void {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name] = String(value);
    if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
    const body =
      structured.body === undefined
        ? undefined
        : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
    response.writeHead(structured.statusCode ?? 200, headers);
    response.end(body);
    return;
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
}

/** Writes an RFC 9457 problem the gateway itself produces (unknown route, oversized body, crash). */
export function writeProblem(
  response: ServerResponse,
  status: number,
  title: string,
  detail: string,
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/problem+json', ...extraHeaders });
  response.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/**
 * CORS as API Gateway does it (`functions/http/cors.ts`): an `OPTIONS` request is a preflight the
 * gateway answers itself, 204 (returns `true`: the request is done); any other request gets the
 * headers for its origin on whatever answer follows.
 */
export function applyCors(
  request: IncomingMessage,
  response: ServerResponse,
  allowedOrigins: readonly string[],
): boolean {
  const preflight = request.method === 'OPTIONS';
  for (const [name, value] of Object.entries(
    corsHeaders(allowedOrigins, request.headers.origin, preflight),
  )) {
    response.setHeader(name, value);
  }
  if (!preflight) return false;
  request.resume();
  response.writeHead(204);
  response.end();
  return true;
}
