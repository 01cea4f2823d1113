import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, NotFoundError } from '../errors.ts';
import {
  applyTransition,
  countersOf,
  type DistributionDeps,
  isApplied,
  readPolicy,
  readState,
  remember,
  weighedOf,
  withRecent,
} from './distribution-state.ts';
import { offerIdOf } from './lead-request.ts';
import type { DistributionHead, LeadOfferEntry, LeadRecord, OfferRecord, Transition } from './lead-store.ts';
import { choose, NO_COUNTERS, type PartnerCounters } from './selection.ts';

export { type DistributionDeps, readPolicy } from './distribution-state.ts';

/** What a decision for one attempt of a lead came to. */
export interface LeadDecisionResult {
  leadId: string;
  attempt: number;
  status: 'offered' | 'unassigned' | 'accepted';
  offer: { offerId: string; partnerId: string; expiresAt: string } | null;
}

/** An offer made by hand to an unassigned lead, and who made it (the token's subject). */
export interface ManualAssignment {
  partnerId: string;
  by: string;
}

/** How the previous offer of the lead ended, when a decision follows one. */
export interface Release {
  partnerId: string;
  outcome: 'declined' | 'expired';
}

/** Head writes lost to other decisions before giving up (each retry re-reads the state). */
const MAX_HEAD_ATTEMPTS = 200;
function resultOf(lead: LeadRecord, attempt: number): LeadDecisionResult {
  const entry = lead.offers.find((offer) => offer.offerId === offerIdOf(lead.leadId, attempt)) ?? null;
  const status = entry ? (lead.status === 'accepted' ? 'accepted' : 'offered') : 'unassigned';
  return {
    leadId: lead.leadId,
    attempt,
    status,
    offer: entry ? { offerId: entry.offerId, partnerId: entry.partnerId, expiresAt: entry.expiresAt } : null,
  };
}

async function readLeadFor(deps: DistributionDeps, leadId: string): Promise<LeadRecord> {
  const lead = await deps.leads.getLead(leadId);
  if (!lead) throw new NotFoundError(`No lead ${leadId}.`);
  return lead;
}

/** The decision already made for this attempt (or the lead's end), `null` when it is still to make. */
function decisionMade(
  lead: LeadRecord,
  attempt: number,
  manual: ManualAssignment | null,
): LeadDecisionResult | null {
  if (lead.attempts >= attempt) return resultOf(lead, attempt);
  if (manual ? lead.status !== 'unassigned' : lead.status === 'accepted' || lead.status === 'unassigned') {
    if (manual)
      throw new ConflictError(
        `Lead ${lead.leadId} is ${lead.status}: only an unassigned lead is assigned by hand.`,
      );
    return resultOf(lead, lead.attempts);
  }
  return null;
}

/**
 * Decision `attempt` of a lead (1 for a new lead; the next after a decline or an expiry, `release`
 * saying which): the weighted choice over the current ranking, written as one head transition and
 * applied. Idempotent per (lead, attempt): called again, by a retried step or a racing caller, it
 * answers the decision made.
 */
export async function decide(
  deps: DistributionDeps,
  leadId: string,
  attempt: number,
  release: Release | null,
  manual: ManualAssignment | null = null,
  /** Ends the lead as `unassigned` with this reason instead of choosing (a manual offer declined or expired). */
  unassign: string | null = null,
): Promise<LeadDecisionResult> {
  for (let tries = 0; tries < MAX_HEAD_ATTEMPTS; tries++) {
    if (tries > 0) await sleep(Math.min(50, 2 + Math.random() * 4 * tries));
    const known = await readLeadFor(deps, leadId);
    const made = decisionMade(known, attempt, manual);
    if (made) return made;
    const period = known.period;
    const [state, policy, ranking] = await Promise.all([
      readState(deps, period),
      readPolicy(deps.leads),
      deps.ranking.current(),
    ]);
    if (!(await isApplied(deps, state))) {
      await applyTransition(deps, state, period);
      continue;
    }
    // The lead again, read after the applied state: a racing caller's decision for this attempt that
    // is in the state is in this read (the lead read above may predate it).
    const lead = await readLeadFor(deps, leadId);
    const racing = decisionMade(lead, attempt, manual);
    if (racing) return racing;
    const version = state.head?.version ?? 0;
    const at = new Date(deps.now()).toISOString();
    const base = {
      version: version + 1,
      leadId,
      attempt,
      at,
      offer: null,
      leadOffer: null,
      unassignedReason: null,
      fold: null,
    };
    // A new ranking since the period's last decision: carry every partner's entitlement over first.
    if (ranking && state.head?.runId && state.head.runId !== ranking.runId && state.shards.size > 0) {
      const pending: Transition = {
        ...base,
        kind: 'fold',
        leadId: null,
        counters: {},
        fold: { fromRunId: state.head.runId, accumulators: state.head.accumulators },
      };
      const folding: DistributionHead = {
        period,
        version: version + 1,
        runId: ranking.runId,
        accumulators: {},
        pending,
        recent: withRecent(state.head, pending),
      };
      if (await deps.leads.putHead(folding, version)) {
        await applyTransition(deps, { head: folding, shards: state.shards }, period);
        remember(deps, period, folding.version, state.shards);
      }
      continue;
    }
    const overlay: Record<string, PartnerCounters> = {};
    const excludedForLead = new Set(lead.offers.map((offer) => offer.partnerId));
    if (release) {
      const counters = countersOf(state)(release.partnerId) ?? NO_COUNTERS;
      overlay[release.partnerId] = { ...counters, [release.outcome]: counters[release.outcome] + 1 };
    }
    const accumulators =
      state.head?.runId === (ranking?.runId ?? null) ? (state.head?.accumulators ?? {}) : {};
    let transition: Transition;
    let nextAccumulators = accumulators;
    if (manual) {
      if (!ranking?.partners.some((partner) => partner.id === manual.partnerId)) {
        throw new NotFoundError(`No partner ${JSON.stringify(manual.partnerId)} in the current ranking.`);
      }
      const counters = countersOf(state, overlay)(manual.partnerId) ?? NO_COUNTERS;
      const leadOffer: LeadOfferEntry = {
        offerId: offerIdOf(leadId, attempt),
        partnerId: manual.partnerId,
        offeredAt: at,
        expiresAt: new Date(deps.now() + policy.slaMinutes * 60_000).toISOString(),
        assignedBy: manual.by,
        decision: null,
      };
      transition = {
        ...base,
        kind: 'offer',
        counters: { ...overlay, [manual.partnerId]: { ...counters, offered: counters.offered + 1 } },
        leadOffer,
        offer: offerOf(lead, leadOffer, period),
      };
    } else if (unassign !== null) {
      transition = { ...base, kind: 'unassign', counters: overlay, unassignedReason: unassign };
    } else if (attempt > policy.maxAttempts || !ranking) {
      transition = {
        ...base,
        kind: 'unassign',
        counters: overlay,
        unassignedReason: ranking ? `no answer after ${policy.maxAttempts} offers` : 'no ranking yet',
      };
    } else {
      const choice = choose({
        population: weighedOf(ranking.partners, policy),
        policy,
        tierOrder: ranking.tierOrder,
        lead: { region: lead.region, type: lead.type, minTier: lead.minTier ?? policy.minTier },
        excludedForLead,
        accumulators,
        counters: countersOf(state, overlay),
      });
      const counters = { ...overlay, ...choice.counters };
      nextAccumulators = { ...accumulators, ...choice.accumulators };
      if (choice.chosen === null) {
        transition = { ...base, kind: 'unassign', counters, unassignedReason: 'nobody eligible' };
      } else {
        const offerId = offerIdOf(leadId, attempt);
        const expiresAt = new Date(deps.now() + policy.slaMinutes * 60_000).toISOString();
        const leadOffer: LeadOfferEntry = {
          offerId,
          partnerId: choice.chosen,
          offeredAt: at,
          expiresAt,
          assignedBy: null,
          decision: choice.decision,
        };
        transition = {
          ...base,
          kind: 'offer',
          counters,
          leadOffer,
          offer: offerOf(lead, leadOffer, period),
        };
      }
    }
    const head: DistributionHead = {
      period,
      version: version + 1,
      runId: ranking?.runId ?? state.head?.runId ?? null,
      accumulators: nextAccumulators,
      pending: transition,
      recent: withRecent(state.head, transition),
    };
    if (!(await deps.leads.putHead(head, state.head ? version : null))) continue;
    await applyTransition(deps, { head, shards: state.shards }, period);
    remember(deps, period, head.version, state.shards);
    return {
      leadId,
      attempt,
      status: transition.kind === 'offer' ? 'offered' : 'unassigned',
      offer: transition.leadOffer
        ? {
            offerId: transition.leadOffer.offerId,
            partnerId: transition.leadOffer.partnerId,
            expiresAt: transition.leadOffer.expiresAt,
          }
        : null,
    };
  }
  throw new Error(
    `Lead ${leadId}: the distribution state changed ${MAX_HEAD_ATTEMPTS} times in a row; retry.`,
  );
}

function offerOf(lead: LeadRecord, entry: LeadOfferEntry, period: string): OfferRecord {
  return {
    offerId: entry.offerId,
    leadId: lead.leadId,
    partnerId: entry.partnerId,
    offeredAt: entry.offeredAt,
    expiresAt: entry.expiresAt,
    outcome: 'open',
    answeredAt: null,
    assignedBy: entry.assignedBy,
    callbackId: null,
    period,
    lead: { externalId: lead.externalId, region: lead.region, type: lead.type, value: lead.value },
  };
}

/**
 * Records an accepted offer: the partner's `accepted` counter and the lead's status, as one head
 * transition (idempotent: an accepted lead is left alone).
 */
export async function recordAccept(deps: DistributionDeps, leadId: string, attempt: number): Promise<void> {
  for (let tries = 0; tries < MAX_HEAD_ATTEMPTS; tries++) {
    if (tries > 0) await sleep(Math.min(50, 2 + Math.random() * 4 * tries));
    const known = await readLeadFor(deps, leadId);
    if (known.status === 'accepted') return;
    const state = await readState(deps, known.period);
    if (!(await isApplied(deps, state))) {
      await applyTransition(deps, state, known.period);
      continue;
    }
    // Read after the applied state, as in `decide`: a racing caller's accept in the state is in it.
    const lead = await readLeadFor(deps, leadId);
    if (lead.status === 'accepted') return;
    const entry = lead.offers.find((offer) => offer.offerId === offerIdOf(leadId, attempt));
    if (!entry) throw new ConflictError(`Lead ${leadId} has no offer ${attempt}.`);
    const version = state.head?.version ?? 0;
    const counters = countersOf(state)(entry.partnerId) ?? NO_COUNTERS;
    const pending: Transition = {
      version: version + 1,
      kind: 'accept',
      leadId,
      attempt,
      counters: { [entry.partnerId]: { ...counters, accepted: counters.accepted + 1 } },
      offer: null,
      leadOffer: null,
      unassignedReason: null,
      at: new Date(deps.now()).toISOString(),
      fold: null,
    };
    const head: DistributionHead = {
      period: lead.period,
      version: version + 1,
      runId: state.head?.runId ?? null,
      accumulators: state.head?.accumulators ?? {},
      pending,
      recent: withRecent(state.head, pending),
    };
    if (!(await deps.leads.putHead(head, state.head ? version : null))) continue;
    await applyTransition(deps, { head, shards: state.shards }, lead.period);
    remember(deps, lead.period, head.version, state.shards);
    return;
  }
  throw new Error(
    `Lead ${leadId}: the distribution state changed ${MAX_HEAD_ATTEMPTS} times in a row; retry.`,
  );
}
