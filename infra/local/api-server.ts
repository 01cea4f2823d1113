import { createServer, type Server } from 'node:http';
import type { JWTPayload } from 'jose';
import { BODY_TOO_LARGE_ADVICE } from '#functions/http/http-handler.ts';
import { INTERNAL_ERROR_DETAIL } from '#functions/http/problem.ts';
import { routeKey } from '#functions/routes.ts';
import { type AccessLog, LOCAL_PRINCIPAL_CLAIMS } from './access-log.ts';
import type { FunctionRunner } from './function-runner.ts';
import {
  applyCors,
  BodyTooLargeError,
  matchRoute,
  readBody,
  toHttpApiEvent,
  writeLambdaResult,
  writeProblem,
} from './http-gateway.ts';
import type { JwtAuthorizer } from './jwt-authorizer.ts';

const API_TIMEOUT_MS = 30_000;
const TIMED_OUT = Symbol('timed out');

/**
 * The local API Gateway: routes each request by `functions/routes.ts`, checks the route's JWT
 * authorizer with `LOCAL_AUTH`, hands the function an HTTP API v2 event and writes its result, gives
 * up after API Gateway's 30 s, and logs every request as API Gateway's access log does.
 */
export function createApiServer(
  runner: FunctionRunner,
  log: { error(message: string, error?: unknown): void },
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
