import { setTimeout as sleep } from 'node:timers/promises';
import type {
  DistributionAuditView,
  LeadSummary,
  LeadView,
  PartnerOfferView,
} from '../api/lead-response.schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import {
  type DistributionDeps,
  decide,
  type LeadDecisionResult,
  type ManualAssignment,
  readPolicy,
} from './distribution.ts';
import type { LeadBody } from './lead-bodies.ts';
import { leadIdOf, parseOfferId } from './lead-request.ts';
import type { LeadRecord, LeadStatus, OfferRecord } from './lead-store.ts';
import { periodOf } from './policy.ts';
import { entitlement, weigh } from './selection.ts';

/** Sends a lead workflow's durable callback (SendDurableExecutionCallbackSuccess). */
export interface LeadCallbacks {
  succeed(callbackId: string, result: string): Promise<void>;
}

/** Starts the lead workflow's durable execution named after the lead (joins it when it runs). */
export interface LeadStarter {
  start(payload: LeadWorkflowEvent): Promise<void>;
}

/** The lead workflow's input: a lead to distribute, or a manual offer (attempt `from`) to make and wait on. */
export interface LeadWorkflowEvent {
  leadId: string;
  /** The attempt to start from: 1 for a new lead; a manual offer's attempt. */
  from: number;
  assign?: ManualAssignment;
}

export interface LeadServiceDeps extends DistributionDeps {
  starter: LeadStarter;
  callbacks: LeadCallbacks;
}

/** The execution name of a lead's workflow run (a manual offer's run has its own). */
export function executionNameOf(event: LeadWorkflowEvent): string {
  return event.assign ? `${event.leadId}-assign-${event.from}` : event.leadId;
}

/**
 * `POST /leads`: creates the lead once per `externalId`, starts its workflow (the execution named
 * after the lead) and makes the first decision at once (the workflow's first step makes the same
 * decision, idempotently), so the answer carries the offer.
 */
export async function postLead(
  deps: LeadServiceDeps,
  body: LeadBody,
): Promise<{ leadId: string; status: LeadStatus; offer: LeadDecisionResult['offer'] }> {
  const leadId = leadIdOf(body.externalId);
  const now = deps.now();
  const at = new Date(now).toISOString();
  const created = await deps.leads.createLead({
    leadId,
    externalId: body.externalId,
    region: body.region ?? null,
    type: body.type ?? null,
    value: body.value ?? null,
    minTier: body.minTier ?? null,
    status: 'new',
    createdAt: at,
    updatedAt: at,
    period: periodOf(now),
    attempts: 0,
    offers: [],
    unassignedReason: null,
  });
  const lead = created ? null : await deps.leads.getLead(leadId);
  if (lead && lead.attempts > 0) return answerOf(lead);
  // The execution first: an offer never exists without the workflow that keeps its deadline.
  await deps.starter.start({ leadId, from: 1 });
  const result = await decide(deps, leadId, 1, null);
  return { leadId, status: result.status, offer: result.offer };
}

function answerOf(lead: LeadRecord) {
  const last = lead.offers.at(-1);
  return {
    leadId: lead.leadId,
    status: lead.status,
    offer:
      last && lead.status !== 'unassigned'
        ? { offerId: last.offerId, partnerId: last.partnerId, expiresAt: last.expiresAt }
        : null,
  };
}

/** `GET /leads/{leadId}`: the lead with each offer's outcome from its offer item. */
export async function readLead(deps: Pick<DistributionDeps, 'leads'>, leadId: string): Promise<LeadView> {
  const lead = await deps.leads.getLead(leadId);
  if (!lead) throw new NotFoundError(`No lead ${leadId}: POST /leads answers the ids.`);
  const offers = await Promise.all(
    lead.offers.map(async (entry) => {
      const offer = await deps.leads.getOffer(entry.partnerId, entry.offerId);
      return {
        offerId: entry.offerId,
        leadId,
        partnerId: entry.partnerId,
        offeredAt: entry.offeredAt,
        expiresAt: entry.expiresAt,
        outcome: offer?.outcome ?? 'open',
        answeredAt: offer?.answeredAt ?? null,
        assignedBy: entry.assignedBy,
        decision: entry.decision
          ? {
              candidates: entry.decision.candidates,
              eligible: entry.decision.eligible,
              excluded: entry.decision.excluded,
              excludedCounts: entry.decision.excludedCounts as Record<string, number>,
            }
          : null,
      };
    }),
  );
  return {
    leadId,
    externalId: lead.externalId,
    region: lead.region,
    type: lead.type,
    value: lead.value,
    minTier: lead.minTier,
    status: lead.status,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    period: lead.period,
    offers,
    unassignedReason: lead.unassignedReason,
  };
}

/** `GET /leads`: newest first; the cursor is the last entry's sort key, base64url. */
export async function listLeads(
  deps: Pick<DistributionDeps, 'leads'>,
  query: { status?: LeadStatus; partnerId?: string; limit: number; cursor?: string },
): Promise<{ items: LeadSummary[]; nextCursor: string | null }> {
  let after: string | undefined;
  if (query.cursor) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!/^\d{4}-\d\d-\d\dT[\d:.]+Z#lead-[0-9a-f]{32}$/.test(after)) {
      throw new ValidationError([{ path: '/query/cursor', message: 'is not a cursor this API returned' }]);
    }
  }
  const page = await deps.leads.listLeads({
    ...(query.status ? { status: query.status } : {}),
    ...(query.partnerId ? { partnerId: query.partnerId } : {}),
    limit: query.limit,
    ...(after ? { after } : {}),
  });
  return {
    items: page.items,
    nextCursor: page.last ? Buffer.from(page.last, 'utf8').toString('base64url') : null,
  };
}

/** `GET /distribution/audit`: per partner of the period, entitled vs offered vs accepted. */
export async function distributionAudit(
  deps: DistributionDeps,
  period: string,
): Promise<DistributionAuditView> {
  const [head, shards, policy, ranking] = await Promise.all([
    deps.leads.getHead(period),
    deps.leads.readShards(period),
    readPolicy(deps.leads),
    deps.ranking.current(),
  ]);
  const runId = head?.runId ?? ranking?.runId ?? null;
  const population = runId ? weigh(await deps.ranking.partnersOf(runId), policy) : null;
  const items: DistributionAuditView['items'] = [];
  for (const { entries } of shards.values()) {
    for (const [partnerId, counters] of entries) {
      const i = population?.index.get(partnerId);
      const weight = i === undefined || !population ? 0 : (population.weight[i] as number);
      const cohort =
        i === undefined || !population ? undefined : population.cohorts[population.cohortOf[i] as number];
      const s = cohort ? (head?.accumulators[cohort.key] ?? 0) : 0;
      items.push({
        partnerId,
        weight,
        entitled: round(entitlement(counters, weight, s)),
        offered: counters.offered,
        accepted: counters.accepted,
        declined: counters.declined,
        expired: counters.expired,
      });
    }
  }
  items.sort((a, b) => b.entitled - a.entitled || a.partnerId.localeCompare(b.partnerId));
  return { period, items };
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

function partnerOfferView(offer: OfferRecord): PartnerOfferView {
  return {
    offerId: offer.offerId,
    leadId: offer.leadId,
    partnerId: offer.partnerId,
    offeredAt: offer.offeredAt,
    expiresAt: offer.expiresAt,
    outcome: offer.outcome,
    answeredAt: offer.answeredAt,
    assignedBy: offer.assignedBy,
    lead: offer.lead,
  };
}

/** `GET /me/offers`: the partner's open offers, soonest deadline first. */
export async function openOffers(deps: Pick<DistributionDeps, 'leads'>, partnerId: string) {
  return { items: (await deps.leads.openOffers(partnerId)).map(partnerOfferView) };
}

/** How long an answer waits for the workflow to store its callback (an offer made a moment ago). */
const CALLBACK_WAIT_MS = 3000;

/**
 * `POST /me/offers/{offerId}/accept|decline`: `open → accepted|declined` on the partner's own offer
 * (another partner's offer is no key of this partner's: 404), then the workflow's callback, which
 * moves the lead on. 409 for an offer that expired or was answered.
 */
export async function answerOffer(
  deps: LeadServiceDeps,
  partnerId: string,
  offerId: string,
  outcome: 'accepted' | 'declined',
): Promise<PartnerOfferView> {
  parseOfferId(offerId);
  const at = new Date(deps.now()).toISOString();
  const offer = await deps.leads.getOffer(partnerId, offerId);
  if (!offer) throw new NotFoundError(`No offer ${offerId} of your partner: GET /me/offers lists yours.`);
  if (offer.outcome === 'open' && Date.parse(offer.expiresAt) <= deps.now()) {
    throw new ConflictError(`Offer ${offerId} expired at ${offer.expiresAt}.`);
  }
  const { offer: answered, changed } = await deps.leads.answerOffer(partnerId, offerId, outcome, at);
  if (!answered) throw new NotFoundError(`No offer ${offerId} of your partner.`);
  if (!changed) {
    throw new ConflictError(
      `Offer ${offerId} is ${answered.outcome} already: only an open offer is answered.`,
    );
  }
  let callbackId = answered.callbackId;
  for (let waited = 0; !callbackId && waited < CALLBACK_WAIT_MS; waited += 100) {
    await sleep(100);
    callbackId = (await deps.leads.getOffer(partnerId, offerId))?.callbackId ?? null;
  }
  // Without a callback yet the workflow finds the answer on the offer at its deadline at the latest.
  if (callbackId) await deps.callbacks.succeed(callbackId, JSON.stringify({ outcome }));
  return partnerOfferView(answered);
}

/** `POST /leads/{leadId}/assign`: a manual offer for an unassigned lead, waited on by its own execution. */
export async function assignLead(
  deps: LeadServiceDeps,
  leadId: string,
  partnerId: string,
  by: string,
): Promise<LeadView> {
  const lead = await deps.leads.getLead(leadId);
  if (!lead) throw new NotFoundError(`No lead ${leadId}.`);
  if (lead.status !== 'unassigned') {
    throw new ConflictError(`Lead ${leadId} is ${lead.status}: only an unassigned lead is assigned by hand.`);
  }
  const attempt = lead.attempts + 1;
  const assign = { partnerId, by };
  // The execution first (it makes the same offer), so the offer never lacks its deadline.
  await deps.starter.start({ leadId, from: attempt, assign });
  await decide(deps, leadId, attempt, null, assign);
  return readLead(deps, leadId);
}
