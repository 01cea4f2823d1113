import * as z from 'zod/mini';
import { MAX_TEXT_LENGTH } from '#core/partners/partner-rules.ts';
import type { CursorSigner } from '#core/ranking/cursor.ts';
import { type ReadRankingsDeps, readRankings } from '#core/ranking/read-rankings.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery } from './query-params.ts';

// As long as a stored tier, region or type can be; longer matches nothing and would not fit a key.
const filter = z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_LENGTH)));
const rankingsQuery = z.object({
  limit: limitParam(500),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  tier: filter,
  region: filter,
  type: filter,
});

export interface RankingsRouteDeps {
  runs: ReadRankingsDeps['runs'];
  rankings: ReadRankingsDeps['rankings'];
  signer: CursorSigner;
}

/** `GET /rankings`: one page of the current ranking. */
export function rankingsRoutes(deps: RankingsRouteDeps): Record<'GET /rankings', RouteHandler> {
  return {
    'GET /rankings': async ({ query }) => {
      const { limit, cursor, tier, region, type } = parseQuery(rankingsQuery, query);
      const body = await readRankings(
        { runs: deps.runs, rankings: deps.rankings, signer: deps.signer },
        {
          limit: limit === undefined ? 50 : Number(limit),
          ...(cursor === undefined ? {} : { cursor }),
          ...(tier === undefined ? {} : { tier }),
          ...(region === undefined ? {} : { region }),
          ...(type === undefined ? {} : { type }),
        },
      );
      return { status: 200, body };
    },
  };
}
