import type { AuditStore } from '#core/audit/audit-log.ts';
import type { DistributionDeps } from '#core/leads/distribution.ts';
import type { PartnerUserStore } from '#core/portal/partner-users.ts';
import type { ImportStore, ModelStore, ObjectStore, PartnerStore } from '#core/ports.ts';
import type { QualityStore } from '#core/quality/quality-store.ts';
import type { CursorSigner } from '#core/ranking/cursor.ts';
import type { RankingStore } from '#core/ranking/ranking-store.ts';
import type { RunFiles } from '#core/runs/run-files.ts';
import type { RunStore } from '#core/runs/run-store.ts';
import type { WorklistStore } from '#core/worklist/worklist-store.ts';
import * as dependencies from './dependencies.ts';
import { createRouteTableHandler, type RouteHandler } from './http/http-handler.ts';
import { auditRoutes } from './http/routes/audit.ts';
import { importsReadRoutes } from './http/routes/imports.ts';
import { leadReadRoutes } from './http/routes/leads.ts';
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
  /** Run files (the current run's places, for the model preview). */
  files: Pick<RunFiles, 'get'>;
  worklist: Pick<WorklistStore, 'getHead' | 'getPages' | 'actionsSince' | 'getConfig'>;
  quality: Pick<QualityStore, 'getReport' | 'getFailures'>;
  /** The audit trail (`GET /audit`). */
  audit: Pick<AuditStore, 'list'>;
  /** Partner users' memberships (the portal's routes answer only where they are given). */
  users?: Pick<PartnerUserStore, 'get' | 'list'>;
  /** Lead distribution (its routes answer only where given). */
  distribution?: Omit<DistributionDeps, 'now'>;
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
    ...(deps.distribution
      ? leadReadRoutes({
          ...deps.distribution,
          users: deps.users ?? { get: async () => null },
          now: deps.now,
        })
      : {}),
  };
}

/**
 * The read-only HTTP function (contract §3): health, rankings, partner reads and history, runs,
 * the model and its preview, the audit trail, the partner portal's reads (§3.1). `deps` is built on the first request, so a cold start that only
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
  files: dependencies.runFiles(),
  worklist: dependencies.apiWorklistStore(),
  quality: dependencies.apiQualityStore(),
  audit: dependencies.apiAuditStore(),
  users: dependencies.apiPartnerUserStore(),
  distribution: { leads: dependencies.apiLeadStore(), ranking: dependencies.rankingSource() },
  now: Date.now,
}));
