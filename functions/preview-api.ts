import type { PreviewDeps } from '#core/ranking/preview-current.ts';
import * as dependencies from './dependencies.ts';
import { createRouteTableHandler } from './http/http-handler.ts';
import { modelPreviewRoutes } from './http/routes/model.ts';

/**
 * The model preview's HTTP function (contract §3, `POST /model/preview`): scores every partner under
 * the active and a candidate model from the current run's snapshot and reports who moves. A function
 * of its own because it is the one route that needs memory and cores in proportion to the partners
 * (a 1M-partner answer holds ~1 GB and uses the scoring threads), while every read of query-api
 * needs little of either. Reads only; `deps` is built on the first request.
 */
export function createHandler(deps: () => PreviewDeps) {
  return createRouteTableHandler('preview-api', () => modelPreviewRoutes(deps()));
}

export const handler = createHandler(() => ({
  partners: dependencies.apiPartnerStore(),
  models: dependencies.apiModelStore(),
  runs: dependencies.apiRunStore(),
  rankings: dependencies.apiRankingStore(),
  files: dependencies.runFiles(),
  now: Date.now,
}));
