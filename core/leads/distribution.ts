import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, NotFoundError } from '../errors.ts';
import { offerIdOf } from './lead-request.ts';
import {
  type CounterShard,
  counterShard,
  type DistributionHead,
  type LeadOfferEntry,
  type LeadRecord,
  type LeadStore,
  type OfferRecord,
  RECENT_TRANSITIONS,
  type Transition,
} from './lead-store.ts';
import { DEFAULT_POLICY, type DistributionPolicy } from './policy.ts';
import type { RankingSource } from './ranked-partners.ts';
import {
  choose,
  fold,
  NO_COUNTERS,
  type PartnerCounters,
  type WeighedPopulation,
  weigh,
} from './selection.ts';

/**
 * The stored distribution (contract §3.3): each decision is one transition of the period's head,
 * written conditionally on its version, so that decisions serialize and concurrent leads never
 * share a slot; the transition holds everything it changes (absolute counters, the offer), and is
 * applied afterwards to the offer, the lead and the counter shards by whoever gets there first. A
 * process killed between the head write and the apply leaves the transition on the head: the next
 * decision, or the same one retried, applies it before anything else. Nothing is lost, nothing is
 * offered twice.
 */
export interface DistributionDeps {
  leads: LeadStore;
  ranking: Pick<RankingSource, 'current' | 'partnersOf'>;
  now: () => number;
}

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

export async function readPolicy(leads: Pick<LeadStore, 'getPolicy'>): Promise<DistributionPolicy> {
  return (await leads.getPolicy()) ?? DEFAULT_POLICY;
}

/** Weighed populations per ranking (its partners array, cached per run) and weighing policy. */
const weighed = new WeakMap<object, { key: string; population: WeighedPopulation }>();

function weighedOf(partners: Parameters<typeof weigh>[0], policy: DistributionPolicy): WeighedPopulation {
  const key = `${policy.weight}\n${JSON.stringify(policy.tierWeights)}`;
  const cached = weighed.get(partners);
  if (cached?.key === key) return cached.population;
  const population = weigh(partners, policy);
  weighed.set(partners, { key, population });
  return population;
}

interface State {
  head: DistributionHead | null;
  shards: Map<number, CounterShard>;
}

/** Per store and period: the counter shards as of a head version this process read or wrote. */
const shardCaches = new WeakMap<
  object,
  Map<string, { version: number; shards: Map<number, CounterShard> }>
>();

function cacheOf(deps: DistributionDeps) {
  let caches = shardCaches.get(deps.leads);
  if (!caches) {
    caches = new Map();
    shardCaches.set(deps.leads, caches);
  }
  return caches;
}

/**
 * The head, then the counter shards (after the head: they then hold every transition before the
 * head's own). A process that read or wrote the shards as of an earlier version re-reads only the
 * shards the transitions since changed (the head's `recent` list); otherwise all of them.
 */
async function readState(deps: DistributionDeps, period: string): Promise<State> {
  const head = await deps.leads.getHead(period);
  const cached = cacheOf(deps).get(period);
  const version = head?.version ?? 0;
  if (cached && head && cached.version <= version) {
    const since = head.recent.filter((entry) => entry.version > cached.version);
    const covered = version - cached.version === since.length;
    if (covered && since.every((entry) => entry.shards !== 'all')) {
      const changed = [...new Set(since.flatMap((entry) => entry.shards as number[]))];
      const shards = new Map(cached.shards);
      if (changed.length > 0) {
        const fresh = await deps.leads.readShards(period, changed);
        for (const shard of changed) {
          const read = fresh.get(shard);
          if (read) shards.set(shard, read);
          else shards.delete(shard);
        }
      }
      return { head, shards };
    }
  }
  return { head, shards: await deps.leads.readShards(period) };
}

/** Remembers the shards as of `version` (after this process applied that version). */
function remember(
  deps: DistributionDeps,
  period: string,
  version: number,
  shards: Map<number, CounterShard>,
) {
  cacheOf(deps).set(period, { version, shards: new Map(shards) });
}

/** The head's `recent` list with one more transition. */
function withRecent(head: DistributionHead | null, transition: Transition): DistributionHead['recent'] {
  const shards =
    transition.kind === 'fold'
      ? ('all' as const)
      : [...new Set(Object.keys(transition.counters).map(counterShard))];
  return [...(head?.recent ?? []), { version: transition.version, shards }].slice(-RECENT_TRANSITIONS);
}

function countersOf(state: State, overlay: Record<string, PartnerCounters> = {}) {
  return (id: string): PartnerCounters | undefined =>
    overlay[id] ?? state.shards.get(counterShard(id))?.entries.get(id);
}

/**
 * Whether the head's transition was applied: the shards it changes are written last, so those
 * tell; a transition that changes no counters is told by its lead, a fold by every shard.
 */
async function isApplied(deps: DistributionDeps, state: State): Promise<boolean> {
  const pending = state.head?.pending;
  if (!pending) return true;
  if (pending.kind === 'fold') {
    return [...state.shards.values()].every((shard) => shard.applied >= pending.version);
  }
  const touched = new Set(Object.keys(pending.counters).map(counterShard));
  if (touched.size > 0) {
    return [...touched].every((shard) => (state.shards.get(shard)?.applied ?? 0) >= pending.version);
  }
  const lead = pending.leadId ? await deps.leads.getLead(pending.leadId) : null;
  if (!lead) return true;
  return pending.kind === 'accept' ? lead.status === 'accepted' : lead.attempts >= pending.attempt;
}

/**
 * Applies a transition: the offer, the lead, then the counter shards (idempotent; each write is
 * conditional on not being done). For a fold, every shard not yet folded.
 */
async function applyTransition(deps: DistributionDeps, state: State, period: string): Promise<void> {
  const t = state.head?.pending;
  if (!t) return;
  if (t.offer) await deps.leads.putOffer(t.offer);
  if (t.leadId && t.kind === 'offer' && t.leadOffer)
    await deps.leads.recordOffer(t.leadId, t.attempt, t.leadOffer, t.at);
  if (t.leadId && t.kind === 'unassign') {
    await deps.leads.recordUnassigned(t.leadId, t.attempt, t.unassignedReason ?? 'nobody eligible', t.at);
  }
  if (t.leadId && t.kind === 'accept') await deps.leads.recordAccepted(t.leadId, t.at);
  const byShard = new Map<number, Record<string, PartnerCounters>>();
  for (const [id, counters] of Object.entries(t.counters)) {
    const shard = counterShard(id);
    byShard.set(shard, { ...byShard.get(shard), [id]: counters });
  }
  if (t.kind === 'fold' && t.fold) {
    const folded = await foldShards(deps, state, t.fold);
    for (const [shard, entries] of folded) byShard.set(shard, entries);
  }
  await Promise.all(
    [...byShard].map(([shard, changes]) => {
      const current = state.shards.get(shard);
      if (current && current.applied >= t.version) return undefined;
      const entries = new Map(current?.entries);
      for (const [id, counters] of Object.entries(changes)) entries.set(id, counters);
      const next: CounterShard = { applied: t.version, entries };
      state.shards.set(shard, next);
      return deps.leads.writeShard(period, shard, next);
    }),
  );
}

/** Every partner's counters carried into the current ranking (its entitlement becomes its base). */
async function foldShards(
  deps: DistributionDeps,
  state: State,
  from: NonNullable<Transition['fold']>,
): Promise<Map<number, Record<string, PartnerCounters>>> {
  const policy = await readPolicy(deps.leads);
  const old = weighedOf(await deps.ranking.partnersOf(from.fromRunId), policy);
  const result = new Map<number, Record<string, PartnerCounters>>();
  for (const [shard, { entries }] of state.shards) {
    const changes: Record<string, PartnerCounters> = {};
    for (const [id, counters] of entries) {
      const i = old.index.get(id);
      const weight = i === undefined ? 0 : (old.weight[i] as number);
      const cohort = i === undefined ? undefined : old.cohorts[old.cohortOf[i] as number];
      changes[id] = fold(counters, weight, cohort ? (from.accumulators[cohort.key] ?? 0) : 0);
    }
    result.set(shard, changes);
  }
  return result;
}

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
    const lead = await deps.leads.getLead(leadId);
    if (!lead) throw new NotFoundError(`No lead ${leadId}.`);
    if (lead.attempts >= attempt) return resultOf(lead, attempt);
    if (manual ? lead.status !== 'unassigned' : lead.status === 'accepted' || lead.status === 'unassigned') {
      if (manual)
        throw new ConflictError(
          `Lead ${leadId} is ${lead.status}: only an unassigned lead is assigned by hand.`,
        );
      return resultOf(lead, lead.attempts);
    }
    const period = lead.period;
    const [state, policy, ranking] = await Promise.all([
      readState(deps, period),
      readPolicy(deps.leads),
      deps.ranking.current(),
    ]);
    if (!(await isApplied(deps, state))) {
      await applyTransition(deps, state, period);
      continue;
    }
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
    const lead = await deps.leads.getLead(leadId);
    if (!lead) throw new NotFoundError(`No lead ${leadId}.`);
    if (lead.status === 'accepted') return;
    const entry = lead.offers.find((offer) => offer.offerId === offerIdOf(leadId, attempt));
    if (!entry) throw new ConflictError(`Lead ${leadId} has no offer ${attempt}.`);
    const state = await readState(deps, lead.period);
    if (!(await isApplied(deps, state))) {
      await applyTransition(deps, state, lead.period);
      continue;
    }
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
