import * as z from 'zod/mini';
import {
  historySchema,
  partnerSearchSchema,
  partnerViewSchema,
  rankingPageSchema,
  upsertResultsSchema,
} from '#core/api/response.schema.ts';
import { partnerRequestSchema } from '#core/partners/partner.schema.ts';
import { historyQuery, partnersSearchQuery } from '../routes/partners-read.ts';
import { rankingsQuery } from '../routes/rankings.ts';
import { ETAG, IF_NONE_MATCH, NOT_MODIFIED, partnerId, type RouteDocs } from './route-doc.ts';

/** Partners and their ranking. */
export const PARTNER_DOCS = {
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
} satisfies RouteDocs;
