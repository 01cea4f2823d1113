import * as z from 'zod/mini';
import { MAX_TEXT_LENGTH } from '#core/partners/partner-rules.ts';
import { type ReadRankingsDeps, readRankings } from '#core/ranking/read-rankings.ts';
import type { RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery } from './query-params.ts';

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
const rankingsQuery = z.object({
  limit: limitParam(500),
  cursor: cursorParam,
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
