import type { PartnerUsersDeps } from '#core/portal/partner-users.ts';
import type { ImportStore, ModelStore, ObjectStore, PartnerStore, RescoreRequester } from '#core/ports.ts';
import type { RunStore } from '#core/runs/run-store.ts';
import * as dependencies from './dependencies.ts';
import { createRouteTableHandler, type RouteHandler } from './http/http-handler.ts';
import { importsWriteRoutes } from './http/routes/imports.ts';
import { modelWriteRoutes } from './http/routes/model.ts';
import { partnersWriteRoutes } from './http/routes/partners-write.ts';
import { portalWriteRoutes } from './http/routes/portal.ts';
import { rescoreRoutes } from './http/routes/runs.ts';
import type { RouteKeyOf } from './routes.ts';

/** What the write routes need; tests pass their own, Lambda builds them from the environment. */
export interface IngestDeps {
  partners: PartnerStore;
  models: ModelStore;
  runs: RunStore;
  imports: ImportStore;
  objects: ObjectStore;
  requester: RescoreRequester;
  /** Partner users: memberships and the sign-in directory (the portal's routes answer only where given). */
  portal?: Pick<PartnerUsersDeps, 'users' | 'directory' | 'localPasswords'>;
  now: () => number;
}

function routes(deps: IngestDeps): Partial<Record<RouteKeyOf<'ingest-api'>, RouteHandler>> {
  return {
    ...partnersWriteRoutes(deps),
    ...importsWriteRoutes(deps),
    ...rescoreRoutes(deps.requester),
    ...modelWriteRoutes(deps),
    ...(deps.portal ? portalWriteRoutes({ ...deps.portal, partners: deps.partners, now: deps.now }) : {}),
  };
}

/**
 * The write HTTP function (contract §3): partner upserts and deletes, CSV upload URLs, rescore
 * requests and model activation, and partner users' invitations and revocations (§3.1), the only
 * function that may create or disable sign-in users. `deps` is built on the first request.
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
  portal: {
    users: dependencies.apiPartnerUserStore(),
    directory: dependencies.userDirectory(),
    localPasswords: dependencies.env().LOCAL_USER_PASSWORDS === '1',
  },
  now: Date.now,
}));
