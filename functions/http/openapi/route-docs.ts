/**
 * What each route of `functions/routes.ts` takes and answers, for the OpenAPI document: the zod
 * schemas the handlers validate with (query, body) and those of their responses. Typed as a record
 * over every route key, so a route added to `ROUTES` without its description does not compile.
 */
import * as z from 'zod/mini';
import {
  activeModelSchema,
  auditPageSchema,
  healthSchema,
  historySchema,
  importCreatedSchema,
  importListSchema,
  importStatusSchema,
  invitedUserSchema,
  meSchema,
  modelActivatedSchema,
  modelPreviewSchema,
  modelVersionsSchema,
  moversSchema,
  openApiDocumentSchema,
  partnerSearchSchema,
  partnerUserListSchema,
  partnerViewSchema,
  qualityFailuresSchema,
  qualityReportSchema,
  rankingPageSchema,
  runListSchema,
  runSchema,
  runStartedSchema,
  scorecardHistorySchema,
  scorecardSchema,
  upsertResultsSchema,
  worklistItemSchema,
  worklistPageSchema,
} from '#core/api/response.schema.ts';
import { scoringModelSchema } from '#core/model/scoring-model.ts';
import { partnerRequestSchema } from '#core/partners/partner.schema.ts';
import { inviteSchema } from '#core/portal/partner-users.ts';
import { actionBodySchema } from '#core/worklist/read-worklist.ts';
import { worklistConfigResponseSchema, worklistConfigSchema } from '#core/worklist/worklist-config.ts';
import type { HttpFunctionName, RouteKeyOf } from '../../routes.ts';
import { auditQuery, MAX_AUDIT_LIMIT } from '../routes/audit.ts';
import { importsQuery } from '../routes/imports.ts';
import { modelVersionsQuery, previewQuery } from '../routes/model.ts';
import { historyQuery, partnersSearchQuery } from '../routes/partners-read.ts';
import { scorecardHistoryQuery } from '../routes/portal.ts';
import { rankingsQuery } from '../routes/rankings.ts';
import { moversQuery, runsQuery } from '../routes/runs.ts';
import { failuresQuery, worklistQuery } from '../routes/worklist.ts';
import { LEAD_ROUTE_DOCS } from './lead-docs.ts';

export type Tag =
  | 'Service'
  | 'Partners'
  | 'Rankings'
  | 'Runs'
  | 'Model'
  | 'Imports'
  | 'Worklist'
  | 'Audit'
  | 'Portal'
  | 'Leads';

export interface ResponseDoc {
  description: string;
  /** Body schema; none for an empty body (204). */
  schema?: z.ZodMiniType;
  /** Default `application/json`; several when the body's type varies. */
  contentType?: string | string[];
  /** Other representations of the same answer by content type (`text/csv`). */
  alternatives?: Record<string, z.ZodMiniType>;
  /** Response headers by name, with what they hold. */
  headers?: Record<string, string>;
}

export interface RouteDoc {
  tag: Tag;
  summary: string;
  description: string;
  /** One entry per `{name}` of the path. */
  pathParameters?: Record<string, { description: string; schema: z.ZodMiniType }>;
  /** Request headers the route reads, with what they do. */
  headerParameters?: Record<string, string>;
  /** The query schema the handler parses with. */
  query?: z.ZodMiniObject;
  /** The body schema, named as a component (`PartnerUpsertBody`). */
  body?: { name: string; schema: z.ZodMiniType; required: boolean; description: string };
  /** Successful answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Problem answers besides the common ones (400 for bad input, 500, and 503 where data is read). */
  problems?: Record<number, string>;
  /** `false` for routes that read no stored data (so no 503 from a throttled table). */
  readsData?: boolean;
  /** `true` for the console's static files: no body is parsed (no 400, 413, 415). */
  staticFile?: boolean;
}

const partnerId = {
  description: 'Partner id: 1–128 characters, no control characters (URL-encoded in the path).',
  schema: z.string().check(z.minLength(1), z.maxLength(128)),
};

const ETAG = 'Version of this answer: send it back as `If-None-Match` to get a 304 while nothing changed.';
const IF_NONE_MATCH = 'An `ETag` of an earlier answer: a 304 with no body while it still matches.';
const NOT_MODIFIED: ResponseDoc = {
  description: 'Nothing changed since the `If-None-Match` ETag.',
  headers: { ETag: ETAG },
};

const previewBody = z.union([
  scoringModelSchema,
  z.object({
    model: scoringModelSchema,
    limit: z.optional(z.int().check(z.gte(1), z.lte(10_000))),
  }),
]);

/** The key of each route of `ROUTES` (`"GET /partners/{id}"`), exactly those. */
export type DescribedRoute = RouteKeyOf<HttpFunctionName>;

export const ROUTE_DOCS: Record<DescribedRoute, RouteDoc> = {
  ...LEAD_ROUTE_DOCS,
  'GET /health': {
    tag: 'Service',
    summary: 'Health check',
    description: 'Answers without touching any data; open, no token needed.',
    responses: { 200: { description: 'The service answers.', schema: healthSchema } },
    readsData: false,
  },
  'POST /partners': {
    tag: 'Partners',
    summary: 'Upsert one partner or a batch',
    description:
      'One partner object, or `{"partners": [...]}` with at most 1,000. Every item is validated first; nothing is written if one is invalid (400 with a path per problem, e.g. `/partners/3/metrics/sales`). Upsert merges: given metrics overwrite, `null` removes a value, missing ones stay. An item whose `asOf` is older than the stored one is not applied and comes back `stale`.',
    body: {
      name: 'PartnerUpsertBody',
      schema: partnerRequestSchema,
      required: true,
      description: 'A partner, or a batch of partners.',
    },
    responses: {
      200: { description: 'One result per item, in request order.', schema: upsertResultsSchema },
    },
  },
  'GET /partners': {
    tag: 'Partners',
    summary: 'Find partners by the start of their id or name',
    description:
      'Partners of the current run whose id or name starts with `search` (case-insensitive), paged like rankings: `limit` 1–500 (default 50), `nextCursor` for the next page. Without `search`, every partner in id order.',
    query: partnersSearchQuery,
    responses: { 200: { description: 'A page of partners.', schema: partnerSearchSchema } },
  },
  'GET /partners/{id}': {
    tag: 'Partners',
    summary: 'A partner and its explained score',
    description:
      'The partner, its metrics under the model names and its score: value, tier, rank, percentile, coverage, the next tier and the points needed, and the breakdown per metric. Between runs a changed partner’s score is provisional.',
    pathParameters: { id: partnerId },
    headerParameters: { 'If-None-Match': IF_NONE_MATCH },
    responses: {
      200: { description: 'The partner.', schema: partnerViewSchema, headers: { ETag: ETAG } },
      304: NOT_MODIFIED,
    },
    problems: { 404: 'No partner with this id.' },
  },
  'DELETE /partners/{id}': {
    tag: 'Partners',
    summary: 'Delete a partner',
    description:
      'The partner leaves the rankings with the next completed run. A later upsert whose `asOf` is not newer than the delete (nor than the partner’s own `asOf`, when that was dated ahead) is stale; a newer one creates it again.',
    pathParameters: { id: partnerId },
    responses: { 204: { description: 'Deleted.' } },
    problems: { 404: 'No partner with this id.' },
  },
  'GET /partners/{id}/history': {
    tag: 'Partners',
    summary: 'A partner’s score, rank and tier per run',
    description: 'Newest first; `limit` 1–1000 (default 100).',
    pathParameters: { id: partnerId },
    query: historyQuery,
    responses: { 200: { description: 'The history.', schema: historySchema } },
    problems: { 404: 'No partner with this id (or it was deleted).' },
  },
  'GET /rankings': {
    tag: 'Rankings',
    summary: 'One page of the current ranking',
    description:
      'Filters keep each partner’s global rank. `limit` 1–500 (default 50). The cursor is opaque and bound to its query: a tampered cursor, or one used with other filters, is a 400. Before the first run: `runId` null and no items. `stale` is true when partners changed after the run.',
    query: rankingsQuery,
    headerParameters: { 'If-None-Match': IF_NONE_MATCH },
    responses: {
      200: {
        description:
          'A page of the ranking as JSON; with `format=csv` or `Accept: text/csv`, the whole filtered ranking as CSV (header `rank,id,name,score,tier,previousRank,region,type`, cells neutralised against formula injection), in parts linked by `Link: <…>; rel="next"` when it does not fit one response.',
        schema: rankingPageSchema,
        alternatives: { 'text/csv': z.string() },
        headers: { ETag: ETAG, Link: 'CSV only: `<path?…&cursor=…>; rel="next"` while parts remain.' },
      },
      304: NOT_MODIFIED,
    },
  },
  'POST /rescore': {
    tag: 'Runs',
    summary: 'Start a rescore run',
    description:
      'Starts a run, or returns the one already running (which then starts one follow-up run, since data may have changed after it began).',
    responses: { 202: { description: 'The run started or running.', schema: runStartedSchema } },
  },
  'GET /runs': {
    tag: 'Runs',
    summary: 'Recent runs',
    description:
      'Newest first; `limit` 1–100 (default 20). A completed run carries `tiers`: its partners per tier.',
    query: runsQuery,
    responses: { 200: { description: 'The runs.', schema: runListSchema } },
  },
  'GET /runs/latest': {
    tag: 'Runs',
    summary: 'The latest run',
    description: 'The most recently started run, whatever its status.',
    responses: { 200: { description: 'The run.', schema: runSchema } },
    problems: { 404: 'No run yet: start one with POST /rescore.' },
  },
  'GET /runs/{runId}': {
    tag: 'Runs',
    summary: 'A run by id',
    description: 'A run’s status, times, partner count, model version and number of tier changes.',
    pathParameters: { runId: { description: 'A run id as returned by POST /rescore.', schema: z.string() } },
    responses: { 200: { description: 'The run.', schema: runSchema } },
    problems: { 404: 'No run with this id.' },
  },
  'GET /runs/{runId}/movers': {
    tag: 'Runs',
    summary: 'Who moved in a run',
    description:
      'Partners whose rank or tier changed between that run and the run before it, largest move first; `limit` (default 100).',
    pathParameters: { runId: { description: 'A run id (GET /runs lists them).', schema: z.string() } },
    query: moversQuery,
    responses: { 200: { description: 'The movers.', schema: moversSchema } },
    problems: { 404: 'No run with this id.', 409: 'The run has not completed yet.' },
  },
  'GET /model': {
    tag: 'Model',
    summary: 'The active scoring model',
    description: 'With every default filled in and its `version`.',
    responses: { 200: { description: 'The active model.', schema: activeModelSchema } },
  },
  'PUT /model': {
    tag: 'Model',
    summary: 'Activate a new scoring model version',
    description:
      'Validates the model (400 with a path per problem, e.g. `/metrics/2/weight`), stores it as the next version, makes it active and starts a run that scores every partner with it.',
    body: {
      name: 'ScoringModelInput',
      schema: scoringModelSchema,
      required: true,
      description: 'The scoring model (contract §5).',
    },
    responses: { 200: { description: 'The new version and its run.', schema: modelActivatedSchema } },
  },
  'GET /model/versions': {
    tag: 'Model',
    summary: 'Stored model versions',
    description:
      'Newest first, ending with the built-in version 1; `limit` 1–100 (default 50). Activate an earlier one again with `POST /model/versions/{version}/activate`.',
    query: modelVersionsQuery,
    responses: { 200: { description: 'The versions.', schema: modelVersionsSchema } },
  },
  'POST /model/versions/{version}/activate': {
    tag: 'Model',
    summary: 'Activate a stored model version again',
    description:
      'The stored version’s model becomes the next version and is made active, and a run starts, as with `PUT /model`. No body.',
    pathParameters: {
      version: {
        description: 'A version listed by GET /model/versions.',
        schema: z.string().check(z.regex(/^[1-9][0-9]{0,8}$/)),
      },
    },
    responses: { 200: { description: 'The new version and its run.', schema: modelActivatedSchema } },
    problems: { 404: 'No stored model with this version.' },
  },
  'POST /model/preview': {
    tag: 'Model',
    summary: 'Dry run of a candidate model',
    description:
      'Scores the current partners under the candidate (hysteresis against the current run’s tiers) and lists every partner whose rank or tier changes, largest rank move first, at most `limit` (default 100). Nothing is stored. The body is the model itself, or `{model, limit}`; `?limit=` wins. Errors in a wrapped model point into it (`/model/metrics/0/weight`).',
    query: previewQuery,
    body: {
      name: 'ModelPreviewBody',
      schema: previewBody,
      required: true,
      description: 'The candidate model, or `{model, limit}`.',
    },
    responses: { 200: { description: 'Who moves.', schema: modelPreviewSchema } },
  },
  'POST /imports': {
    tag: 'Imports',
    summary: 'Get an upload URL for one CSV file',
    description:
      'Creates a pending import and returns a presigned S3 PUT URL; upload the CSV to it with content-type `text/csv` and follow `GET /imports/{importId}`. The body is optional.',
    body: {
      name: 'ImportRequestBody',
      schema: z.object({}),
      required: false,
      description: 'Optional; when sent, a JSON object.',
    },
    responses: { 201: { description: 'The import and its upload URL.', schema: importCreatedSchema } },
  },
  'GET /imports': {
    tag: 'Imports',
    summary: 'Recent imports',
    description: 'Newest first, each as `GET /imports/{importId}` shows it; `limit` 1–100 (default 20).',
    query: importsQuery,
    responses: { 200: { description: 'The imports.', schema: importListSchema } },
  },
  'GET /imports/{importId}': {
    tag: 'Imports',
    summary: 'An import’s progress and row errors',
    description:
      'Status, row counts, warnings, the first 100 rejected rows (1-based line, column, message) and a presigned URL of the full error report (or null).',
    pathParameters: {
      importId: {
        description: 'The importId returned by POST /imports.',
        schema: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,200}$/)),
      },
    },
    responses: { 200: { description: 'The import.', schema: importStatusSchema } },
    problems: { 404: 'No import with this id.' },
  },
  'GET /worklist': {
    tag: 'Worklist',
    summary: 'Whom to call this week: the open items of the latest run',
    description:
      'Items built by the latest completed run (docs/worklist.md): `TIER_AT_RISK`, `NEAR_NEXT_TIER`, `DROPPING`, `STALE`, one per partner and reason, severity `high` before `medium` before `low`, then score descending. Filter by `reason` and `severity`; snoozed and dismissed items only with `includeSnoozed=true`. `limit` 1–500 (default 50); `nextCursor` continues the same query. Before the first run: `runId: null`, no items.',
    query: worklistQuery,
    responses: { 200: { description: 'A page of items.', schema: worklistPageSchema } },
  },
  'GET /worklist/config': {
    tag: 'Worklist',
    summary: 'The worklist settings',
    description:
      'The thresholds of the worklist reasons and of the freshness check (the defaults until changed).',
    responses: { 200: { description: 'The settings.', schema: worklistConfigResponseSchema } },
  },
  'PUT /worklist/config': {
    tag: 'Worklist',
    summary: 'Change the worklist settings',
    description:
      'Any of the fields; those left out keep their value. `staleErrorDays` must stay greater than `staleWarnDays`. A change applies from the next run that starts after it.',
    body: {
      name: 'WorklistConfigBody',
      schema: worklistConfigSchema,
      required: true,
      description: 'The settings to change.',
    },
    responses: { 200: { description: 'The settings now stored.', schema: worklistConfigResponseSchema } },
  },
  'POST /worklist/{itemId}/actions': {
    tag: 'Worklist',
    summary: 'Snooze, dismiss or finish a worklist item',
    description:
      '`snooze` hides the item until `until` (or, without it, until its severity rises); `dismiss` hides it until it resolves; `done` resolves it now (a recurrence later opens a new item). The answer is the item with its new state; its score, tier and detail are as of its last change of severity.',
    pathParameters: {
      itemId: { description: 'The item id from GET /worklist.', schema: z.string().check(z.maxLength(64)) },
    },
    body: {
      name: 'WorklistActionBody',
      schema: actionBodySchema,
      required: true,
      description: 'The action.',
    },
    responses: { 200: { description: 'The item.', schema: worklistItemSchema } },
    problems: { 404: 'No item with this id.', 409: 'The item is resolved.' },
  },
  'GET /quality/latest': {
    tag: 'Worklist',
    summary: 'Can the data be trusted: the latest run’s data-quality report',
    description:
      'The checks of the run `/rankings` serves (docs/worklist.md): `completeness` per metric (fail below 0.9), `freshness` (warn past `staleWarnDays`, fail past `staleErrorDays`), `outliers` per metric (modified z-score over 3.5), `duplicates` (names equal after name matching), `drift` per metric (median moved by more than 50 %). The overall status is the worst check’s; a fail never stops a run.',
    responses: { 200: { description: 'The report.', schema: qualityReportSchema } },
    problems: { 404: 'No completed run yet, or the run has no report.' },
  },
  'GET /quality/{runId}/checks/{check}/failures': {
    tag: 'Worklist',
    summary: 'The partners that fail a data-quality check',
    description:
      'In pages: `limit` 1–500 (default 100), `nextCursor` for the next. `metric` is required for `completeness` and `outliers` (name matching applies) and refused for the others. `drift` lists no partner.',
    pathParameters: {
      runId: { description: 'A run id (from GET /quality/latest or GET /runs).', schema: z.string() },
      check: {
        description: 'completeness, freshness, outliers, duplicates or drift.',
        schema: z.enum(['completeness', 'freshness', 'outliers', 'duplicates', 'drift']),
      },
    },
    query: failuresQuery,
    responses: { 200: { description: 'A page of failing partners.', schema: qualityFailuresSchema } },
    problems: { 404: 'No report for this run.' },
  },
  'GET /audit': {
    tag: 'Audit',
    summary: 'The write log: who changed what',
    description: `Every write, newest first, with the caller: \`subject\` and \`clientId\` are the token's \`sub\` and \`client_id\` (an S3 upload's principal for a file written straight to the bucket). Actions: \`partner.upsert\` (one item per request; target \`partner/<id>\`, or \`partners\` with the ids, at most 20, in \`detail\`), \`partner.delete\`, \`model.update\`, \`model.activate\`, \`run.request\`, \`import.create\`, \`import.upload\`. \`action\` and \`target\` filter (exact match, both together allowed); \`limit\` 1–${MAX_AUDIT_LIMIT} (default 50). A page may hold fewer than \`limit\` items: follow \`nextCursor\` until it is null. A cursor only continues the query (filters) it came from. Items are kept 400 days.`,
    query: auditQuery,
    responses: { 200: { description: 'A page of the write log.', schema: auditPageSchema } },
  },
  'GET /': {
    tag: 'Service',
    summary: 'The web console',
    description: 'The web UI for the channel team (HTML); it calls this API with a bearer token. Open.',
    responses: { 200: { description: 'The console page.', schema: z.string(), contentType: 'text/html' } },
    readsData: false,
    staticFile: true,
  },
  'GET /assets/{file}': {
    tag: 'Service',
    summary: 'A file of the web console',
    description: 'Content-hashed JavaScript, CSS and images of the console, cached as immutable. Open.',
    pathParameters: { file: { description: 'A file name index.html links.', schema: z.string() } },
    responses: {
      200: {
        description: 'The file, its content type by its extension.',
        schema: z.string(),
        contentType: ['text/javascript', 'text/css', 'image/svg+xml'],
      },
    },
    problems: { 404: 'No such file (reload the page: the console was updated).' },
    readsData: false,
    staticFile: true,
  },
  'GET /openapi.json': {
    tag: 'Service',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 description of the API; open, no token needed.',
    responses: { 200: { description: 'The document.', schema: openApiDocumentSchema } },
    readsData: false,
  },
  'GET /docs': {
    tag: 'Service',
    summary: 'The API reference as a web page',
    description: 'This document rendered as HTML, self-contained; open, no token needed.',
    responses: {
      200: { description: 'The reference page.', schema: z.string(), contentType: 'text/html' },
    },
    readsData: false,
  },
  'POST /partners/{id}/users': {
    tag: 'Portal',
    summary: 'Invite a user of a partner',
    description:
      'Creates the sign-in user (in the partner-users group, invited by email on AWS) and its membership of the partner. An email belongs to one partner. On the local stack the answer carries `localPassword` for the local issuer.',
    pathParameters: { id: partnerId },
    body: {
      name: 'PartnerUserInvitation',
      schema: inviteSchema,
      required: true,
      description: '`{email, role}`.',
    },
    responses: { 201: { description: 'The invited user.', schema: invitedUserSchema } },
    problems: {
      404: 'No partner with this id.',
      409: 'The email belongs to a user of another partner, or already to this one (or no user pool is set up).',
    },
  },
  'GET /partners/{id}/users': {
    tag: 'Portal',
    summary: 'A partner’s users',
    description: 'Active and revoked users of the partner, oldest first.',
    pathParameters: { id: partnerId },
    responses: { 200: { description: 'The users.', schema: partnerUserListSchema } },
    problems: { 404: 'No partner with this id.' },
  },
  'DELETE /partners/{id}/users/{userId}': {
    tag: 'Portal',
    summary: 'Revoke a user of a partner',
    description:
      'The membership is revoked first (the user’s next request is a 403, whatever its token’s expiry), then the sign-in user is disabled and signed out everywhere. Revoking a revoked user again is a 204.',
    pathParameters: { id: partnerId, userId: { description: 'The user’s id (`sub`).', schema: z.string() } },
    responses: { 204: { description: 'Revoked.' } },
    problems: { 404: 'No such user of this partner.', 409: 'No user pool is set up.' },
  },
  'GET /me': {
    tag: 'Portal',
    summary: 'The signed-in partner user',
    description: 'Who the token belongs to and its partner, from the user’s membership.',
    responses: { 200: { description: 'The user.', schema: meSchema } },
  },
  'GET /me/scorecard': {
    tag: 'Portal',
    summary: 'The partner’s own scorecard',
    description:
      'Tier and score, points needed for the next tier, the margin before demotion (the hysteresis band), per metric its own value with points out of the most it could give (rounded to 0.1), where the most points are left, a percentile band (null under 20 partners), the data’s date and whether the score is provisional. Never another partner’s data, the exact rank, the number of partners, normalised values or population statistics.',
    responses: { 200: { description: 'The scorecard.', schema: scorecardSchema } },
    problems: { 404: 'The partner has no data in the service yet.' },
  },
  'GET /me/scorecard/history': {
    tag: 'Portal',
    summary: 'The partner’s own score and tier per run',
    description:
      'Newest first; `limit` 1–100 (default 30), `nextCursor` for the next page. A cursor holds a position only: the partner is always the caller’s.',
    query: scorecardHistoryQuery,
    responses: { 200: { description: 'A page of the history.', schema: scorecardHistorySchema } },
  },
  'GET /me/users': {
    tag: 'Portal',
    summary: 'The users of the caller’s partner',
    description: 'For a partner admin; a viewer gets a 403.',
    responses: { 200: { description: 'The users.', schema: partnerUserListSchema } },
  },
  'POST /me/users': {
    tag: 'Portal',
    summary: 'Invite a user of the caller’s partner',
    description:
      'For a partner admin (a viewer gets a 403), as `POST /partners/{id}/users` for its own partner.',
    body: {
      name: 'PartnerUserInvitation',
      schema: inviteSchema,
      required: true,
      description: '`{email, role}`.',
    },
    responses: { 201: { description: 'The invited user.', schema: invitedUserSchema } },
    problems: { 409: 'The email belongs to a user of another partner, or already to this one.' },
  },
  'DELETE /me/users/{userId}': {
    tag: 'Portal',
    summary: 'Revoke a user of the caller’s partner',
    description: 'For a partner admin (a viewer gets a 403); another partner’s user is a 404; oneself a 409.',
    pathParameters: { userId: { description: 'The user’s id (`sub`).', schema: z.string() } },
    responses: { 204: { description: 'Revoked.' } },
    problems: { 404: 'No such user of your partner.', 409: 'You cannot revoke yourself.' },
  },
};
