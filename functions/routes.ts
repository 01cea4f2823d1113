/**
 * The HTTP API's route table: one source for the CDK stack (API Gateway routes, authorizer scopes)
 * and the local server (`npm start`). Each route names the Lambda function that serves it.
 */
export const HTTP_FUNCTIONS = ['ingest-api', 'query-api', 'preview-api', 'leads-api', 'web-console'] as const;
export type HttpFunctionName = (typeof HTTP_FUNCTIONS)[number];

export type Scope = 'partners/read' | 'partners/write';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  function: HttpFunctionName;
  /** JWT scope required on AWS; `null` for the open routes: health check, API description, the console's static files. */
  scope: Scope | null;
  /**
   * A partner user's route (`/me…`, contract §3.1): behind the JWT authorizer without a scope, the
   * function admits partner users only and takes their partner from their membership
   * (`functions/http/access.ts`).
   */
  partner?: true;
}

export const ROUTES = [
  { method: 'GET', path: '/health', function: 'query-api', scope: null },
  { method: 'GET', path: '/openapi.json', function: 'web-console', scope: null },
  { method: 'GET', path: '/docs', function: 'web-console', scope: null },
  { method: 'POST', path: '/partners', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/partners', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/partners/{id}', function: 'query-api', scope: 'partners/read' },
  { method: 'DELETE', path: '/partners/{id}', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/partners/{id}/history', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/rankings', function: 'query-api', scope: 'partners/read' },
  { method: 'POST', path: '/rescore', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/runs', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/runs/latest', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/runs/{runId}', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/runs/{runId}/movers', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/model', function: 'query-api', scope: 'partners/read' },
  { method: 'PUT', path: '/model', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/model/versions', function: 'query-api', scope: 'partners/read' },
  {
    method: 'POST',
    path: '/model/versions/{version}/activate',
    function: 'ingest-api',
    scope: 'partners/write',
  },
  { method: 'POST', path: '/model/preview', function: 'preview-api', scope: 'partners/write' },
  { method: 'POST', path: '/imports', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/imports', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/imports/{importId}', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/worklist', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/worklist/config', function: 'query-api', scope: 'partners/read' },
  { method: 'PUT', path: '/worklist/config', function: 'ingest-api', scope: 'partners/write' },
  { method: 'POST', path: '/worklist/{itemId}/actions', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/quality/latest', function: 'query-api', scope: 'partners/read' },
  {
    method: 'GET',
    path: '/quality/{runId}/checks/{check}/failures',
    function: 'query-api',
    scope: 'partners/read',
  },
  { method: 'GET', path: '/audit', function: 'query-api', scope: 'partners/read' },
  { method: 'POST', path: '/partners/{id}/users', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/partners/{id}/users', function: 'query-api', scope: 'partners/read' },
  {
    method: 'DELETE',
    path: '/partners/{id}/users/{userId}',
    function: 'ingest-api',
    scope: 'partners/write',
  },
  { method: 'GET', path: '/me', function: 'query-api', scope: null, partner: true },
  { method: 'GET', path: '/me/scorecard', function: 'query-api', scope: null, partner: true },
  { method: 'GET', path: '/me/scorecard/history', function: 'query-api', scope: null, partner: true },
  { method: 'GET', path: '/me/users', function: 'query-api', scope: null, partner: true },
  { method: 'POST', path: '/me/users', function: 'ingest-api', scope: null, partner: true },
  { method: 'DELETE', path: '/me/users/{userId}', function: 'ingest-api', scope: null, partner: true },
  { method: 'GET', path: '/distribution/policy', function: 'leads-api', scope: 'partners/read' },
  { method: 'PUT', path: '/distribution/policy', function: 'leads-api', scope: 'partners/write' },
  { method: 'GET', path: '/distribution/audit', function: 'leads-api', scope: 'partners/read' },
  { method: 'POST', path: '/leads', function: 'leads-api', scope: 'partners/write' },
  { method: 'GET', path: '/leads', function: 'leads-api', scope: 'partners/read' },
  { method: 'GET', path: '/leads/{leadId}', function: 'leads-api', scope: 'partners/read' },
  { method: 'POST', path: '/leads/{leadId}/assign', function: 'leads-api', scope: 'partners/write' },
  { method: 'GET', path: '/me/offers', function: 'leads-api', scope: null, partner: true },
  { method: 'POST', path: '/me/offers/{offerId}/accept', function: 'leads-api', scope: null, partner: true },
  {
    method: 'POST',
    path: '/me/offers/{offerId}/decline',
    function: 'leads-api',
    scope: null,
    partner: true,
  },
  { method: 'GET', path: '/', function: 'web-console', scope: null },
  { method: 'GET', path: '/assets/{file}', function: 'web-console', scope: null },
] as const satisfies readonly RouteSpec[];

/** `"GET /partners/{id}"`: the `routeKey` API Gateway puts in every HTTP API v2 event. */
export type RouteKey = `${(typeof ROUTES)[number]['method']} ${(typeof ROUTES)[number]['path']}`;

export function routeKey(route: RouteSpec): RouteKey {
  return `${route.method} ${route.path}` as RouteKey;
}

/** Route keys served by one function. */
export type RouteKeyOf<F extends HttpFunctionName> =
  Extract<(typeof ROUTES)[number], { function: F }> extends infer R
    ? R extends RouteSpec
      ? `${R['method']} ${R['path']}`
      : never
    : never;
