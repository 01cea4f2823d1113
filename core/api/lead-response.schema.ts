/**
 * Response bodies of the lead distribution routes (contract §3.3), as zod/mini schemas in the style
 * of `response.schema.ts`: the source of the OpenAPI document's schemas, against which the test
 * suites validate every answer.
 */
import * as z from 'zod/mini';
import { policySchema } from '../leads/policy.ts';

const isoTime = z.string().check(z.describe('ISO-8601 date-time'));
const nullableString = z.nullable(z.string());

export const LEAD_STATUSES = ['new', 'offered', 'accepted', 'unassigned'] as const;
export const OFFER_OUTCOMES = ['open', 'accepted', 'declined', 'expired'] as const;
export const EXCLUSION_REASONS = ['region', 'type', 'tier', 'weight', 'capacity', 'declined'] as const;

export const distributionPolicySchema = policySchema;

/** Why one offer went to its partner. */
export const leadDecisionSchema = z.object({
  candidates: z
    .array(
      z.object({
        partnerId: z.string(),
        weight: z.number(),
        entitled: z.number().check(z.describe('entitlement in the period after this choice accrued')),
        offered: z.number().check(z.describe('offers in the period before this one')),
      }),
    )
    .check(
      z.describe(
        'in the order of the choice (most urgent shortfall first), at most 20; the first one got the offer',
      ),
    ),
  eligible: z.number().check(z.describe('how many partners were eligible')),
  excluded: z
    .array(z.object({ partnerId: z.string(), reason: z.enum(EXCLUSION_REASONS) }))
    .check(z.describe('partners left out one by one (declined, capacity), at most 20')),
  excludedCounts: z
    .record(z.string(), z.number())
    .check(
      z.describe(
        'how many partners were left out, by reason: region, type, tier, weight, capacity, declined',
      ),
    ),
});

export const offerSchema = z.object({
  offerId: z.string(),
  leadId: z.string(),
  partnerId: z.string(),
  offeredAt: isoTime,
  expiresAt: isoTime,
  outcome: z.enum(OFFER_OUTCOMES),
  answeredAt: z.nullable(isoTime),
  /** Who assigned it by hand (`POST /leads/{leadId}/assign`); null for a chosen offer. */
  assignedBy: nullableString,
});

export const leadOfferSchema = z.extend(offerSchema, { decision: z.nullable(leadDecisionSchema) });

export const leadSchema = z.object({
  leadId: z.string(),
  externalId: z.string(),
  region: nullableString,
  type: nullableString,
  value: z.nullable(z.number()),
  minTier: nullableString,
  status: z.enum(LEAD_STATUSES),
  createdAt: isoTime,
  updatedAt: isoTime,
  period: z.string().check(z.describe('the counting period of its offers, `2026-12`')),
  offers: z.array(leadOfferSchema),
  /** Why the lead is unassigned (nobody eligible, or every attempt used); null otherwise. */
  unassignedReason: nullableString,
});

export const leadPostedSchema = z.object({
  leadId: z.string(),
  status: z.enum(LEAD_STATUSES),
  offer: z.nullable(z.object({ offerId: z.string(), partnerId: z.string(), expiresAt: isoTime })),
});

export const leadSummarySchema = z.object({
  leadId: z.string(),
  externalId: z.string(),
  status: z.enum(LEAD_STATUSES),
  region: nullableString,
  type: nullableString,
  value: z.nullable(z.number()),
  createdAt: isoTime,
  partnerId: z.nullable(z.string()).check(z.describe('the partner of the latest offer')),
  expiresAt: z.nullable(isoTime).check(z.describe('the deadline of the open offer')),
});

export const leadListSchema = z.object({
  items: z.array(leadSummarySchema),
  nextCursor: nullableString,
});

export const distributionAuditSchema = z.object({
  period: z.string(),
  items: z.array(
    z.object({
      partnerId: z.string(),
      weight: z.number(),
      entitled: z.number(),
      offered: z.number(),
      accepted: z.number(),
      declined: z.number(),
      expired: z.number(),
    }),
  ),
});

/** An offer as its partner sees it: the lead's business fields, nothing about other partners. */
export const partnerOfferSchema = z.extend(offerSchema, {
  lead: z.object({
    externalId: z.string(),
    region: nullableString,
    type: nullableString,
    value: z.nullable(z.number()),
  }),
});

export const partnerOfferListSchema = z.object({ items: z.array(partnerOfferSchema) });

export type LeadView = z.infer<typeof leadSchema>;
export type LeadSummary = z.infer<typeof leadSummarySchema>;
export type OfferView = z.infer<typeof offerSchema>;
export type LeadDecisionView = z.infer<typeof leadDecisionSchema>;
export type PartnerOfferView = z.infer<typeof partnerOfferSchema>;
export type DistributionAuditView = z.infer<typeof distributionAuditSchema>;
