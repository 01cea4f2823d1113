import * as z from 'zod/mini';
import { MAX_TEXT_LENGTH } from '#core/partners/partner-rules.ts';
import { type ReadRankingsDeps, readRankings } from '#core/ranking/read-rankings.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

/** Longest cursor accepted; the ones this API returns are far shorter. */
const MAX_CURSOR_LENGTH = 4096;

// As long as a stored tier, region or type can be; longer matches nothing and would not fit a key.
const filter = (name: string) =>
  z.optional(
    z
      .string(`must be a ${name} name`)
      .check(
        z.minLength(1, `must not be empty: name a ${name}, or leave ${name} out for every ${name}`),
        z.maxLength(
          MAX_TEXT_LENGTH,
          `must be at most ${MAX_TEXT_LENGTH} characters, as long as a ${name} can be`,
        ),
      ),
  );
const BAD_CURSOR =
  'is not a cursor this API returned: pass the nextCursor of the previous page, or leave cursor out';
const rankingsQuery = z.object({
  limit: limitParam(500),
  cursor: z.optional(
    z
      .string(BAD_CURSOR)
      .check(
        z.minLength(1, 'must not be empty: pass the nextCursor of the previous page, or leave cursor out'),
        z.maxLength(MAX_CURSOR_LENGTH, BAD_CURSOR),
      ),
  ),
  tier: filter('tier'),
  region: filter('region'),
  type: filter('type'),
});

/** `GET /rankings`: one page of the current ranking. */
export function rankingsRoutes(deps: ReadRankingsDeps): Record<'GET /rankings', RouteHandler> {
  return {
    'GET /rankings': async ({ query }) => {
      const { limit, cursor, tier, region, type } = parseQuery(rankingsQuery, query);
      const body = await readRankings(deps, {
        limit: limit === undefined ? 50 : Number(limit),
        ...(cursor === undefined ? {} : { cursor }),
        ...(tier === undefined ? {} : { tier }),
        ...(region === undefined ? {} : { region }),
        ...(type === undefined ? {} : { type }),
      });
      return { status: 200, body };
    },
  };
}
