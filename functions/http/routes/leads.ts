import type { DistributionDeps } from '#core/leads/distribution.ts';
import { readPolicy } from '#core/leads/distribution.ts';
import { assignBodySchema, leadBodySchema, parseBody } from '#core/leads/lead-bodies.ts';
import { parseLeadId } from '#core/leads/lead-request.ts';
import {
  answerOffer,
  assignLead,
  distributionAudit,
  type LeadServiceDeps,
  listLeads,
  openOffers,
  postLead,
  readLead,
} from '#core/leads/lead-service.ts';
import { parsePolicy, periodOf } from '#core/leads/policy.ts';
import type { PartnerUserStore } from '#core/ports.ts';
import type { RouteHandler } from '../http-handler.ts';
import { principalOf } from '../principal.ts';
import { auditPeriodQuery, leadListQuery } from './leads-params.ts';
import { asMember } from './portal.ts';
import { parseQuery } from './query-params.ts';

const NO_STORE = { 'cache-control': 'private, no-store' };

/** The lead distribution's reads (leads-api): policy, leads, the audit, a partner's open offers. */
export function leadReadRoutes(
  deps: DistributionDeps & { users: Pick<PartnerUserStore, 'get'> },
): Record<
  | 'GET /distribution/policy'
  | 'GET /distribution/audit'
  | 'GET /leads'
  | 'GET /leads/{leadId}'
  | 'GET /me/offers',
  RouteHandler
> {
  return {
    'GET /distribution/policy': async () => ({ status: 200, body: await readPolicy(deps.leads) }),
    'GET /distribution/audit': async ({ query }) => {
      const { period } = parseQuery(auditPeriodQuery, query);
      return { status: 200, body: await distributionAudit(deps, period ?? periodOf(deps.now())) };
    },
    'GET /leads': async ({ query }) => {
      const { status, partnerId, limit, cursor } = parseQuery(leadListQuery, query);
      const body = await listLeads(deps, {
        ...(status ? { status } : {}),
        ...(partnerId ? { partnerId } : {}),
        limit: limit === undefined ? 50 : Number(limit),
        ...(cursor ? { cursor } : {}),
      });
      return { status: 200, body };
    },
    'GET /leads/{leadId}': async ({ pathParameters }) => ({
      status: 200,
      body: await readLead(deps, parseLeadId(pathParameters.leadId)),
    }),
    'GET /me/offers': asMember(deps.users, async (_request, member) => ({
      status: 200,
      body: await openOffers(deps, member.partnerId),
      headers: NO_STORE,
    })),
  };
}

/** The lead distribution's writes (leads-api, the one function allowed to send workflow callbacks). */
export function leadWriteRoutes(
  deps: LeadServiceDeps & { users: Pick<PartnerUserStore, 'get'> },
): Record<
  | 'PUT /distribution/policy'
  | 'POST /leads'
  | 'POST /leads/{leadId}/assign'
  | 'POST /me/offers/{offerId}/accept'
  | 'POST /me/offers/{offerId}/decline',
  RouteHandler
> {
  return {
    'PUT /distribution/policy': async ({ body }) => {
      const policy = parsePolicy(body, await readPolicy(deps.leads));
      await deps.leads.putPolicy(policy);
      return { status: 200, body: policy };
    },
    'POST /leads': async ({ body }) => ({
      status: 202,
      body: await postLead(deps, parseBody(leadBodySchema, body)),
    }),
    'POST /leads/{leadId}/assign': async (request) => {
      const leadId = parseLeadId(request.pathParameters.leadId);
      const { partnerId } = parseBody(assignBodySchema, request.body);
      const lead = await assignLead(deps, leadId, partnerId, principalOf(request.event).subject);
      return { status: 200, body: lead };
    },
    'POST /me/offers/{offerId}/accept': asMember(deps.users, async ({ pathParameters }, member) => ({
      status: 200,
      body: await answerOffer(deps, member.partnerId, pathParameters.offerId ?? '', 'accepted'),
      headers: NO_STORE,
    })),
    'POST /me/offers/{offerId}/decline': asMember(deps.users, async ({ pathParameters }, member) => ({
      status: 200,
      body: await answerOffer(deps, member.partnerId, pathParameters.offerId ?? '', 'declined'),
      headers: NO_STORE,
    })),
  };
}
