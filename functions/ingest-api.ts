import type { PartnerUsersDeps } from '#core/portal/partner-users.ts';
import type {
  AuditStore,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  RescoreRequester,
  RunStore,
  WorklistStore,
} from '#core/ports.ts';
import * as dependencies from './dependencies.ts';
import { auditedRoutes, INGEST_AUDIT } from './http/audit-routes.ts';
import { createRouteTableHandler, type RouteHandler } from './http/http-handler.ts';
import { importsWriteRoutes } from './http/routes/imports.ts';
import { modelWriteRoutes } from './http/routes/model.ts';
import { partnersWriteRoutes } from './http/routes/partners-write.ts';
import { portalWriteRoutes } from './http/routes/portal.ts';
import { rescoreRoutes } from './http/routes/runs.ts';
import { worklistWriteRoutes } from './http/routes/worklist.ts';
import type { RouteKeyOf } from './routes.ts';

/** What the write routes need; tests pass their own, Lambda builds them from the environment. */
export interface IngestDeps {
  partners: PartnerStore;
  models: ModelStore;
  runs: RunStore;
  imports: ImportStore;
  objects: ObjectStore;
  requester: RescoreRequester;
  worklist: Pick<WorklistStore, 'getItem' | 'act' | 'getConfig' | 'putConfig'>;
  /** Where every write is recorded with its caller (contract §7). */
  audit: AuditStore;
  /** Partner users: memberships and the sign-in directory (the portal's routes answer only where given). */
  portal?: Pick<PartnerUsersDeps, 'users' | 'directory' | 'localPasswords'>;
  now: () => number;
}

function routes(deps: IngestDeps): Partial<Record<RouteKeyOf<'ingest-api'>, RouteHandler>> {
  const writes = {
    ...partnersWriteRoutes(deps),
    ...importsWriteRoutes(deps),
    ...rescoreRoutes(deps.requester),
    ...modelWriteRoutes(deps),
    ...worklistWriteRoutes(deps),
    ...(deps.portal ? portalWriteRoutes({ ...deps.portal, partners: deps.partners, now: deps.now }) : {}),
  };
  // Every route of this function is a write: each records its audit item (contract §7).
  return auditedRoutes(deps.audit, writes, INGEST_AUDIT);
}

/**
 * The write HTTP function (contract §3): partner upserts and deletes, CSV upload URLs, rescore
 * requests and model activation, and partner users' invitations and revocations (§3.1), the only
 * function that may create or disable sign-in users; each write is recorded in the audit trail. `deps`
 * is built on the first request.
 */
export function createHandler(deps: () => IngestDeps) {
  return createRouteTableHandler('ingest-api', () => routes(deps()));
}

export const handler = createHandler(() => ({
  partners: dependencies.apiPartnerStore(),
  models: dependencies.apiModelStore(),
  runs: dependencies.apiRunStore(),
  imports: dependencies.apiImportStore(),
  objects: dependencies.objectStore(),
  requester: dependencies.apiRescoreRequester(),
  worklist: dependencies.apiWorklistStore(),
  audit: dependencies.apiAuditStore(),
  portal: {
    users: dependencies.apiPartnerUserStore(),
    directory: dependencies.userDirectory(),
    localPasswords: dependencies.env().LOCAL_USER_PASSWORDS === '1',
  },
  now: Date.now,
}));
