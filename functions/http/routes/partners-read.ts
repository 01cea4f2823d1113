import * as z from 'zod/mini';
import { NotFoundError } from '#core/errors.ts';
import { MAX_SEARCH_LENGTH } from '#core/partners/search-index.ts';
import { type SearchPartnersDeps, searchPartners } from '#core/partners/search-partners.ts';
import type { RunStore } from '#core/ports.ts';
import { type PartnerScoreDeps, readPartner } from '#core/ranking/partner-score.ts';
import type { RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery, partnerIdParam } from './query-params.ts';

export const historyQuery = z.object({ limit: limitParam(1000) });
export const partnersSearchQuery = z.object({
  search: z.optional(
    z.string('must be the start of a partner id or name').check(
      z.maxLength(
        MAX_SEARCH_LENGTH,
        `must be at most ${MAX_SEARCH_LENGTH} characters: the start of an id or name`,
      ),
      z.refine((text) => !/\p{Cc}/u.test(text), 'must not contain control characters'),
    ),
  ),
  limit: limitParam(500),
  cursor: cursorParam,
});

export interface PartnersReadDeps extends PartnerScoreDeps, SearchPartnersDeps {
  runs: PartnerScoreDeps['runs'] & SearchPartnersDeps['runs'] & Pick<RunStore, 'history'>;
}

/** `GET /partners?search=`, `GET /partners/{id}` (the partner and its score) and its history. */
export function partnersReadRoutes(
  deps: PartnersReadDeps,
): Record<'GET /partners' | 'GET /partners/{id}' | 'GET /partners/{id}/history', RouteHandler> {
  return {
    'GET /partners': async ({ query }) => {
      const { search, limit, cursor } = parseQuery(partnersSearchQuery, query);
      const body = await searchPartners(deps, {
        search: search ?? '',
        limit: limit === undefined ? 50 : Number(limit),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { status: 200, body };
    },
    'GET /partners/{id}': async ({ pathParameters, event }) => {
      const read = await readPartner(deps, partnerIdParam(pathParameters), event.headers['if-none-match']);
      const headers = { etag: read.etag, 'cache-control': 'private, no-cache' };
      if ('notModified' in read) return { status: 304, headers };
      return { status: 200, body: read.view, headers };
    },
    'GET /partners/{id}/history': async ({ pathParameters, query }) => {
      const id = partnerIdParam(pathParameters);
      const { limit } = parseQuery(historyQuery, query);
      // A deleted partner's history is kept (for its TTL) but served like the partner: not at all.
      const [partner, records] = await Promise.all([
        deps.partners.get(id),
        deps.runs.history(id, limit === undefined ? 100 : Number(limit)),
      ]);
      if (!partner) throw new NotFoundError(`No partner with id ${JSON.stringify(id)}.`);
      return {
        status: 200,
        body: {
          items: records.map(({ runId, scoredAt, score, rank, tier }) => ({
            runId,
            scoredAt,
            score,
            rank,
            tier,
          })),
        },
      };
    },
  };
}
