import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { NotFoundError, PayloadTooLargeError } from '#core/errors.ts';
import { logger } from '#core/observability.ts';
import { type HttpFunctionName, ROUTES, type RouteKeyOf, type RouteSpec, routeKey } from '../routes.ts';
import { checkAccess, type Identity, identityOf, routeAccess } from './access.ts';
import { problem, problemFromError, problemResponse } from './problem.ts';

/** Largest request body accepted (contract §3): Lambda's own synchronous payload limit. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** What a 413 tells the caller to do instead (the local gateway's own 413 says the same). */
export const BODY_TOO_LARGE_ADVICE =
  'Split the partners into batches of at most 1,000, or upload a CSV through POST /imports.';

/** What a route handler sees: the raw event plus the parsed pieces. */
export interface HttpRequest {
  event: APIGatewayProxyEventV2;
  /** Parsed JSON body; `undefined` when the request had none. */
  body: unknown;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  context: Context;
  /** The caller, from the authorizer's claims; already admitted to the route's class (`access.ts`). */
  identity: Identity;
}

/** What a route handler returns; `body` is serialised as JSON unless it is a string. */
export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResult>;

const jsonBodyParser = httpJsonBodyParser();

/**
 * The middy chain every HTTP function uses: Powertools logger (request counts and latencies come from
 * API Gateway's own metrics), header normalisation, a body-size limit, JSON parsing (only when a body
 * is present), dispatch on API Gateway's `routeKey`, and one mapping of every error to RFC 9457
 * problem+json.
 */
export function createHttpHandler(routes: Partial<Record<string, RouteHandler>>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use({
      before: async (request) => {
        const body = request.event.body;
        if (body === undefined || body === null || body === '') return;
        const bytes = request.event.isBase64Encoded
          ? Math.floor((body.length * 3) / 4)
          : Buffer.byteLength(body);
        if (bytes > MAX_BODY_BYTES) {
          throw new PayloadTooLargeError(
            `The body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}. ${BODY_TOO_LARGE_ADVICE}`,
          );
        }
        await jsonBodyParser.before?.(request as never);
      },
      onError: async (request) => {
        request.response = problemResponse(problemFromError(request.error));
      },
    })
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) {
        return problemResponse(
          problem(404, `No route ${event.routeKey}. The routes are listed in docs/api.md.`),
        );
      }
      const spec = (ROUTES as readonly RouteSpec[]).find(
        (candidate) => routeKey(candidate) === event.routeKey,
      );
      const identity = identityOf(event);
      // A route of no table (a test's own) is for the vendor, like every route with a scope.
      checkAccess(spec ? routeAccess(spec) : 'vendor', identity);
      const result = await route({
        identity,
        event,
        body: event.body === '' ? undefined : (event.body as unknown),
        pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        context,
      });
      return toResponse(result);
    });
}

function toResponse(result: HttpResult): APIGatewayProxyStructuredResultV2 {
  if (result.body === undefined) return { statusCode: result.status, headers: result.headers ?? {} };
  const isText = typeof result.body === 'string';
  return {
    statusCode: result.status,
    headers: { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...result.headers },
    body: isText ? (result.body as string) : JSON.stringify(result.body),
  };
}

/**
 * The handler of one HTTP function of the route table: it answers exactly the routes `ROUTES` gives
 * that function, with route handlers built on the first request (dependencies are created once per
 * container, and a test can hand in its own).
 */
export function createRouteTableHandler<F extends HttpFunctionName>(
  functionName: F,
  build: () => Partial<Record<RouteKeyOf<F>, RouteHandler>>,
) {
  let table: Partial<Record<RouteKeyOf<F>, RouteHandler>> | null = null;
  const dispatch =
    (key: RouteKeyOf<F>): RouteHandler =>
    async (request) => {
      table ??= build();
      const route = table[key];
      if (!route) throw new NotFoundError(`No route ${key} in this function.`);
      return route(request);
    };
  const keys = ROUTES.filter((route) => route.function === functionName).map(
    (route) => routeKey(route) as RouteKeyOf<F>,
  );
  return createHttpHandler(Object.fromEntries(keys.map((key) => [key, dispatch(key)])));
}
