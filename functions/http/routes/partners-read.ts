import * as z from 'zod/mini';
import { NotFoundError } from '#core/errors.ts';
import { type PartnerScoreDeps, readPartner } from '#core/ranking/partner-score.ts';
import type { RunStore } from '#core/runs/run-store.ts';
import type { RouteHandler } from '../http-handler.ts';
import { limitParam, parseQuery, partnerIdParam } from './query-params.ts';

const historyQuery = z.object({ limit: limitParam(1000) });

export interface PartnersReadDeps extends PartnerScoreDeps {
  runs: PartnerScoreDeps['runs'] & Pick<RunStore, 'history'>;
}

/** `GET /partners/{id}` (the partner and its score) and `GET /partners/{id}/history`. */
export function partnersReadRoutes(
  deps: PartnersReadDeps,
): Record<'GET /partners/{id}' | 'GET /partners/{id}/history', RouteHandler> {
  return {
    'GET /partners/{id}': async ({ pathParameters }) => ({
      status: 200,
      body: await readPartner(deps, partnerIdParam(pathParameters)),
    }),
    'GET /partners/{id}/history': async ({ pathParameters, query }) => {
      const id = partnerIdParam(pathParameters);
      const { limit } = parseQuery(historyQuery, query);
      const records = await deps.runs.history(id, limit === undefined ? 100 : Number(limit));
      if (records.length === 0 && !(await deps.partners.get(id))) {
        throw new NotFoundError(`No partner with id ${JSON.stringify(id)}.`);
      }
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
