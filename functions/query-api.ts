import type {
  AuditStore,
  CursorSigner,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  PartnerUserStore,
  QualityStore,
  RankingStore,
  RunStore,
  WorklistStore,
} from '#core/ports.ts';
import * as dependencies from './dependencies.ts';
import { createRouteTableHandler, type RouteHandler } from './http/http-handler.ts';
import { auditRoutes } from './http/routes/audit.ts';
import { importsReadRoutes } from './http/routes/imports.ts';
import { modelReadRoutes } from './http/routes/model.ts';
import { partnersReadRoutes } from './http/routes/partners-read.ts';
import { portalReadRoutes } from './http/routes/portal.ts';
import { rankingsRoutes } from './http/routes/rankings.ts';
import { runsReadRoutes } from './http/routes/runs.ts';
import { worklistReadRoutes } from './http/routes/worklist.ts';
import type { RouteKeyOf } from './routes.ts';

/** What the read-only routes need; tests pass their own, Lambda builds them from the environment. */
export interface QueryDeps {
  partners: PartnerStore;
  models: ModelStore;
  runs: RunStore;
  rankings: RankingStore;
  signer: CursorSigner;
  imports: Pick<ImportStore, 'get' | 'list'>;
  objects: Pick<ObjectStore, 'presignGet'>;
  worklist: Pick<WorklistStore, 'getHead' | 'getPages' | 'actionsSince' | 'getConfig'>;
  quality: Pick<QualityStore, 'getReport' | 'getFailures'>;
  /** The audit trail (`GET /audit`). */
  audit: Pick<AuditStore, 'list'>;
  /** Partner users' memberships (the portal's routes answer only where they are given). */
  users?: Pick<PartnerUserStore, 'get' | 'getWithPartner' | 'list'>;
  now: () => number;
}

function routes(deps: QueryDeps): Partial<Record<RouteKeyOf<'query-api'>, RouteHandler>> {
  return {
    'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
    ...rankingsRoutes(deps),
    ...partnersReadRoutes(deps),
    ...runsReadRoutes(deps),
    ...modelReadRoutes(deps),
    ...importsReadRoutes(deps),
    ...worklistReadRoutes(deps),
    ...auditRoutes(deps),
    ...(deps.users ? portalReadRoutes({ ...deps, users: deps.users }) : {}),
  };
}

/**
 * The read-only HTTP function (contract §3): health, rankings, partner reads and history, runs,
 * the model and its versions, the audit trail, the partner portal's reads (§3.1). `deps` is built on the first request, so a cold start that only
 * serves `/health` touches nothing.
 */
export function createHandler(deps: () => QueryDeps) {
  return createRouteTableHandler('query-api', () => routes(deps()));
}

export const handler = createHandler(() => ({
  partners: dependencies.apiPartnerStore(),
  models: dependencies.apiModelStore(),
  runs: dependencies.apiRunStore(),
  rankings: dependencies.apiRankingStore(),
  signer: dependencies.cursorSigner(),
  imports: dependencies.apiImportStore(),
  objects: dependencies.objectStore(),
  worklist: dependencies.apiWorklistStore(),
  quality: dependencies.apiQualityStore(),
  audit: dependencies.apiAuditStore(),
  users: dependencies.apiPartnerUserStore(),
  now: Date.now,
}));
