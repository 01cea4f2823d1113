import type { LeadServiceDeps } from '#core/leads/lead-service.ts';
import type { AuditStore, PartnerUserStore } from '#core/ports.ts';
import * as dependencies from './dependencies.ts';
import { auditedRoutes, LEADS_AUDIT } from './http/audit-routes.ts';
import { createRouteTableHandler, type RouteHandler } from './http/http-handler.ts';
import { leadReadRoutes, leadWriteRoutes } from './http/routes/leads.ts';
import type { RouteKeyOf } from './routes.ts';

/** What the lead routes need; tests pass their own, Lambda builds them from the environment. */
export interface LeadsApiDeps extends LeadServiceDeps {
  /** Partner users' memberships: a partner answers only its own offers. */
  users: Pick<PartnerUserStore, 'get'>;
  /** Where every lead write is recorded with its caller (contract §7). */
  audit: AuditStore;
}

function routes(deps: LeadsApiDeps): Partial<Record<RouteKeyOf<'leads-api'>, RouteHandler>> {
  return {
    ...leadReadRoutes(deps),
    // The writes record their audit items; the reads record nothing.
    ...auditedRoutes(deps.audit, leadWriteRoutes(deps), LEADS_AUDIT),
  };
}

/**
 * The lead distribution's HTTP function (contract §3.3 and the partner's offers of §3.1): the policy,
 * leads and their decisions, the audit of shares, and partner users' answers to offers. A function of
 * its own so that only it may start lead executions and answer their callbacks, and only it (of the
 * HTTP functions) reads the current run's files for the ranking it chooses from. `deps` is built on
 * the first request.
 */
export function createHandler(deps: () => LeadsApiDeps) {
  return createRouteTableHandler('leads-api', () => routes(deps()));
}

export const handler = createHandler(() => ({
  leads: dependencies.apiLeadStore(),
  ranking: dependencies.rankingSource(),
  starter: dependencies.leadStarter(),
  callbacks: dependencies.leadCallbacks(),
  users: dependencies.apiPartnerUserStore(),
  audit: dependencies.apiAuditStore(),
  now: Date.now,
}));
