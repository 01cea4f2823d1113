/**
 * The HTTP API's route table: one source for the CDK stack (API Gateway routes, authorizer scopes)
 * and the local server (`npm start`). Each route names the Lambda function that serves it.
 */
export const HTTP_FUNCTIONS = ['ingest-api', 'query-api', 'web-console'] as const;
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
  /** What the route does, where its path alone does not say it (for the OpenAPI document). */
  summary?: string;
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
    summary:
      'Activates a stored model version again: its model is stored as the next version and made active, and a run starts; 200 {version, runId} as PUT /model, 404 for an unknown version.',
  },
  { method: 'POST', path: '/model/preview', function: 'query-api', scope: 'partners/write' },
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
  {
    method: 'GET',
    path: '/audit',
    function: 'query-api',
    scope: 'partners/read',
    summary:
      'The write log, newest first: who (token subject and client) upserted, deleted, changed the model, requested a run or imported, kept 400 days; filter by action and/or target, page with nextCursor.',
  },
  {
    method: 'POST',
    path: '/partners/{id}/users',
    function: 'ingest-api',
    scope: 'partners/write',
    summary:
      'Invites a user of the partner {email, role: viewer|admin}: 201 with the user; 404 unknown partner; 409 when the email belongs to another partner or already to this one. On the local stack the 201 carries localPassword.',
  },
  { method: 'GET', path: '/partners/{id}/users', function: 'query-api', scope: 'partners/read' },
  {
    method: 'DELETE',
    path: '/partners/{id}/users/{userId}',
    function: 'ingest-api',
    scope: 'partners/write',
    summary: 'Revokes a user of the partner: 204; its next request is a 403, whatever its token’s expiry.',
  },
  {
    method: 'GET',
    path: '/me',
    function: 'query-api',
    scope: null,
    partner: true,
    summary: 'The signed-in partner user and its partner.',
  },
  {
    method: 'GET',
    path: '/me/scorecard',
    function: 'query-api',
    scope: null,
    partner: true,
    summary:
      'The partner’s own scorecard: tier, score, points per metric out of their maximum, what to work on.',
  },
  {
    method: 'GET',
    path: '/me/scorecard/history',
    function: 'query-api',
    scope: null,
    partner: true,
    summary: 'The partner’s own score, tier and percentile band per completed run, newest first.',
  },
  {
    method: 'GET',
    path: '/me/users',
    function: 'query-api',
    scope: null,
    partner: true,
    summary: 'The users of the caller’s partner (partner admins only).',
  },
  {
    method: 'POST',
    path: '/me/users',
    function: 'ingest-api',
    scope: null,
    partner: true,
    summary: 'Invites a user of the caller’s partner (partner admins only), as POST /partners/{id}/users.',
  },
  {
    method: 'DELETE',
    path: '/me/users/{userId}',
    function: 'ingest-api',
    scope: null,
    partner: true,
    summary: 'Revokes a user of the caller’s partner (partner admins only); 404 for anyone else’s user.',
  },
  { method: 'GET', path: '/distribution/policy', function: 'query-api', scope: 'partners/read' },
  { method: 'PUT', path: '/distribution/policy', function: 'ingest-api', scope: 'partners/write' },
  { method: 'GET', path: '/distribution/audit', function: 'query-api', scope: 'partners/read' },
  {
    method: 'POST',
    path: '/leads',
    function: 'ingest-api',
    scope: 'partners/write',
    summary:
      'Distributes a lead: offered at once to the eligible partner with the most urgent shortfall against its weighted share, or unassigned; idempotent on externalId.',
  },
  { method: 'GET', path: '/leads', function: 'query-api', scope: 'partners/read' },
  { method: 'GET', path: '/leads/{leadId}', function: 'query-api', scope: 'partners/read' },
  {
    method: 'POST',
    path: '/leads/{leadId}/assign',
    function: 'ingest-api',
    scope: 'partners/write',
    summary: 'Offers an unassigned lead to a partner chosen by hand (recorded with who assigned it).',
  },
  {
    method: 'GET',
    path: '/me/offers',
    function: 'query-api',
    scope: null,
    partner: true,
    summary: 'The open lead offers of the caller’s partner.',
  },
  {
    method: 'POST',
    path: '/me/offers/{offerId}/accept',
    function: 'ingest-api',
    scope: null,
    partner: true,
    summary: 'Accepts an open offer of the caller’s partner; 409 when it expired or was answered.',
  },
  {
    method: 'POST',
    path: '/me/offers/{offerId}/decline',
    function: 'ingest-api',
    scope: null,
    partner: true,
    summary: 'Declines an open offer of the caller’s partner: the lead moves on at once to another partner.',
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
