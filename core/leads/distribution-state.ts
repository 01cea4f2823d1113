import {
  type CounterShard,
  counterShard,
  type DistributionHead,
  type LeadStore,
  RECENT_TRANSITIONS,
  type Transition,
} from './lead-store.ts';
import { DEFAULT_POLICY, type DistributionPolicy } from './policy.ts';
import type { RankingSource } from './ranked-partners.ts';
import { fold, type PartnerCounters, type WeighedPopulation, weigh } from './selection.ts';

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
/** The stored policy, else the default one. */
export async function readPolicy(leads: Pick<LeadStore, 'getPolicy'>): Promise<DistributionPolicy> {
  return (await leads.getPolicy()) ?? DEFAULT_POLICY;
}
/** Weighed populations per ranking (its partners array, cached per run) and weighing policy. */
const weighed = new WeakMap<object, { key: string; population: WeighedPopulation }>();
/** The ranking's partners weighed under `policy` (cached per partners array and weighing policy). */
export function weighedOf(
  partners: Parameters<typeof weigh>[0],
  policy: DistributionPolicy,
): WeighedPopulation {
  const key = `${policy.weight}\n${JSON.stringify(policy.tierWeights)}`;
  const cached = weighed.get(partners);
  if (cached?.key === key) return cached.population;
  const population = weigh(partners, policy);
  weighed.set(partners, { key, population });
  return population;
}
/** The distribution state of a period as read: the head and the counter shards. */
export interface DistributionState {
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
export async function readState(deps: DistributionDeps, period: string): Promise<DistributionState> {
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
export function remember(
  deps: DistributionDeps,
  period: string,
  version: number,
  shards: Map<number, CounterShard>,
) {
  cacheOf(deps).set(period, { version, shards: new Map(shards) });
}
/** The head's `recent` list with one more transition. */
export function withRecent(
  head: DistributionHead | null,
  transition: Transition,
): DistributionHead['recent'] {
  const shards =
    transition.kind === 'fold'
      ? ('all' as const)
      : [...new Set(Object.keys(transition.counters).map(counterShard))];
  return [...(head?.recent ?? []), { version: transition.version, shards }].slice(-RECENT_TRANSITIONS);
}
/** A partner's counters in `state`, `overlay` first (undefined: none yet). */
export function countersOf(state: DistributionState, overlay: Record<string, PartnerCounters> = {}) {
  return (id: string): PartnerCounters | undefined =>
    overlay[id] ?? state.shards.get(counterShard(id))?.entries.get(id);
}
/**
 * Whether the head's transition was applied: the shards it changes are written last, so those
 * tell; a transition that changes no counters is told by its lead, a fold by every shard.
 */
export async function isApplied(deps: DistributionDeps, state: DistributionState): Promise<boolean> {
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
export async function applyTransition(
  deps: DistributionDeps,
  state: DistributionState,
  period: string,
): Promise<void> {
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
  state: DistributionState,
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
