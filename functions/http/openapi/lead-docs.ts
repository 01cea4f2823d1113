/**
 * What the lead distribution routes (contract §3.3) take and answer, for the OpenAPI document;
 * spread into `ROUTE_DOCS` by `route-docs.ts`.
 */
import * as z from 'zod/mini';
import {
  distributionAuditSchema,
  distributionPolicySchema,
  leadListSchema,
  leadPostedSchema,
  leadSchema,
  partnerOfferListSchema,
  partnerOfferSchema,
} from '#core/api/lead-response.schema.ts';
import { assignBodySchema, leadBodySchema } from '#core/leads/lead-bodies.ts';
import { policyBodySchema } from '#core/leads/policy.ts';
import { auditPeriodQuery, leadListQuery } from '../routes/leads-params.ts';
import type { RouteDoc } from './route-doc.ts';

const leadId = {
  description: 'The lead id POST /leads answered (`lead-` and 32 hex digits).',
  schema: z.string().check(z.regex(/^lead-[0-9a-f]{32}$/)),
};
const offerId = {
  description: 'The offer id from GET /me/offers (`<leadId>.<attempt>`).',
  schema: z.string().check(z.regex(/^lead-[0-9a-f]{32}\.[0-9]{1,2}$/)),
};

/** The lead routes' docs, spread into `ROUTE_DOCS` by `route-docs.ts`. */
export const LEAD_ROUTE_DOCS = {
  'GET /distribution/policy': {
    tag: 'Leads',
    summary: 'The lead distribution policy',
    description:
      'Who is eligible for a lead (region, type, minimum tier, cap per period), how much each weighs (`score`, or `tierWeights` per tier), how long an offer stays open (`slaMinutes`) and how many offers a lead gets (`maxAttempts`); the defaults until changed (docs/leads.md).',
    responses: { 200: { description: 'The policy.', schema: distributionPolicySchema } },
  },
  'PUT /distribution/policy': {
    tag: 'Leads',
    summary: 'Change the lead distribution policy',
    description:
      'Any of the fields; those left out keep their value. Applies to the next choice; an open offer keeps its deadline.',
    body: {
      name: 'DistributionPolicyBody',
      schema: policyBodySchema,
      required: true,
      description: 'The fields to change.',
    },
    responses: { 200: { description: 'The policy now stored.', schema: distributionPolicySchema } },
  },
  'GET /distribution/audit': {
    tag: 'Leads',
    summary: 'Entitled vs offered vs accepted per partner in a period',
    description:
      'Every partner with an entitlement or an offer in the period (`period=2026-12`, default the current month, UTC): its weight in the current ranking, its entitlement (the sum of its shares of every choice it was eligible for), the offers it got and how they ended. Largest entitlement first.',
    query: auditPeriodQuery,
    responses: { 200: { description: 'The period’s figures.', schema: distributionAuditSchema } },
  },
  'POST /leads': {
    tag: 'Leads',
    summary: 'Distribute a lead',
    description:
      'Chooses at once from the current ranking: eligible are partners that match the lead’s region (and type, per policy), hold at least `minTier` (the lead’s, else the policy’s), are under their cap for the period and have not declined or let expire an offer of this lead. Every eligible partner accrues its share `w / Σw` of the choice; the largest `entitled − offered` gets the offer (ties: lower id). The offer waits `slaMinutes` for the partner’s answer; a decline or a deadline moves the lead on at once; after `maxAttempts` offers, or with nobody eligible, the lead is `unassigned`. The same `externalId` again answers the same lead (nothing new is decided).',
    body: { name: 'LeadBody', schema: leadBodySchema, required: true, description: 'The lead.' },
    responses: { 202: { description: 'The lead and its first decision.', schema: leadPostedSchema } },
  },
  'GET /leads': {
    tag: 'Leads',
    summary: 'The leads, newest first',
    description:
      'Filter by `status` and by the `partnerId` of the latest offer; `limit` 1–100 (default 50), `nextCursor` for the next page.',
    query: leadListQuery,
    responses: { 200: { description: 'A page of leads.', schema: leadListSchema } },
  },
  'GET /leads/{leadId}': {
    tag: 'Leads',
    summary: 'A lead, its offers and the decision behind each',
    description:
      'Each offer with its outcome and the decision that made it: the candidates with weight, entitlement and offers so far (at most 20, the winner first), the partners left out one by one (declined, capacity) and every exclusion counted by reason.',
    pathParameters: { leadId },
    responses: { 200: { description: 'The lead.', schema: leadSchema } },
    problems: { 404: 'No lead with this id.' },
  },
  'POST /leads/{leadId}/assign': {
    tag: 'Leads',
    summary: 'Offer an unassigned lead to a partner by hand',
    description:
      'For an `unassigned` lead: an offer to the given partner of the current ranking, outside the weighted choice and its cap, recorded with who assigned it; it waits for the partner’s answer like any offer, and a decline or deadline returns the lead to `unassigned`.',
    pathParameters: { leadId },
    body: { name: 'LeadAssignBody', schema: assignBodySchema, required: true, description: '`{partnerId}`.' },
    responses: { 200: { description: 'The lead with its new offer.', schema: leadSchema } },
    problems: {
      404: 'No lead with this id, or no partner with this id in the current ranking.',
      409: 'The lead is not unassigned.',
    },
  },
  'GET /me/offers': {
    tag: 'Leads',
    summary: 'The open lead offers of the caller’s partner',
    description: 'Soonest deadline first; only its own partner’s offers.',
    responses: { 200: { description: 'The open offers.', schema: partnerOfferListSchema } },
  },
  'POST /me/offers/{offerId}/accept': {
    tag: 'Leads',
    summary: 'Accept an offer',
    description: 'The lead is the partner’s. Another partner’s offer is a 404.',
    pathParameters: { offerId },
    responses: { 200: { description: 'The accepted offer.', schema: partnerOfferSchema } },
    problems: { 404: 'No such offer of your partner.', 409: 'The offer expired or was answered already.' },
  },
  'POST /me/offers/{offerId}/decline': {
    tag: 'Leads',
    summary: 'Decline an offer',
    description:
      'The lead moves on at once to the next choice (never to you again). Another partner’s offer is a 404.',
    pathParameters: { offerId },
    responses: { 200: { description: 'The declined offer.', schema: partnerOfferSchema } },
    problems: { 404: 'No such offer of your partner.', 409: 'The offer expired or was answered already.' },
  },
} satisfies Record<string, RouteDoc>;
