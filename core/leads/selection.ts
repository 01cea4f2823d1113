import { capOf, type DistributionPolicy } from './policy.ts';
import {
  type Cohort,
  entitlement,
  loadOf,
  NO_COUNTERS,
  type PartnerCounters,
  type WeighedPopulation,
} from './weighing.ts';

export {
  type Cohort,
  cohortKey,
  entitlement,
  fold,
  loadOf,
  NO_COUNTERS,
  type PartnerCounters,
  type RankedPartner,
  type WeighedPopulation,
  weigh,
  weightOf,
} from './weighing.ts';

/**
 * The weighted choice of contract §3.3, in compact state.
 *
 * Every eligible partner i accrues `w_i / Σ_eligible w` per choice; the offer goes to the most urgent
 * shortfall `entitled_i − offered_i` ({@link urgency}: the one that would soonest fall a lead behind;
 * with two partners, or once behind, the largest). Writing every eligible partner's entitlement on every
 * choice would be one write per partner per lead, so entitlements are kept implicitly: partners of
 * one cohort (same region, type and tier: eligible or not together) share an accumulator `S_c`, the
 * sum of `1 / Σ_eligible w` over the choices the cohort was eligible for, and
 *
 *     entitled_i = base_i + w_i · ((frozenAt_i ?? S_c(i)) − ref_i)
 *
 * where `ref_i` collects the choices the partner missed on its own although its cohort was eligible
 * (it had declined or let expire an offer of that lead), and `frozenAt_i` is the accumulator when the
 * partner reached its cap (it accrues nothing while capped). Freezing and unfreezing are lazy: they
 * happen at the next choice that finds the partner's cap state changed, which is exact because `S_c`
 * moves only at choices. A choice therefore writes the accumulators of the eligible cohorts and the
 * counters of the few partners whose own state changed (the chosen one, this lead's decliners, the
 * newly capped or uncapped), never one item per eligible partner.
 */

/** A lead's requirements. */
export interface LeadFilter {
  region: string | null;
  type: string | null;
  /** The lead's minimum tier, else the policy's. */
  minTier: string | null;
}

export type ExclusionReason = 'region' | 'type' | 'tier' | 'weight' | 'capacity' | 'declined';

export interface Candidate {
  partnerId: string;
  weight: number;
  /** Entitlement after this choice accrued. */
  entitled: number;
  /** Offers before this one. */
  offered: number;
}

export interface Decision {
  candidates: Candidate[];
  eligible: number;
  excluded: { partnerId: string; reason: ExclusionReason }[];
  excludedCounts: Partial<Record<ExclusionReason, number>>;
}

/** What one choice changes: `chosen` null when nobody is eligible (the lead is unassigned). */
export interface Choice {
  chosen: string | null;
  decision: Decision;
  /** New accumulator values of the eligible cohorts, by cohort key. */
  accumulators: Record<string, number>;
  /** New counters of the partners whose own state changed. */
  counters: Record<string, PartnerCounters>;
}

export interface ChoiceInput {
  population: WeighedPopulation;
  policy: DistributionPolicy;
  /** Tier names, lowest first (the active model's tiers by `minScore`). */
  tierOrder: readonly string[];
  lead: LeadFilter;
  /** Partners that declined or let expire an offer of this lead. */
  excludedForLead: ReadonlySet<string>;
  /** Accumulators by cohort key (absent: 0). */
  accumulators: Readonly<Record<string, number>>;
  /** A partner's counters (absent: none yet). */
  counters: (partnerId: string) => PartnerCounters | undefined;
}

/** Most candidates and individually excluded partners a decision lists. */
export const DECISION_LIST_SIZE = 20;
/** Shortfalls closer than this are a tie (lower id wins): sums of float shares drift in the last bits. */
const TIE = 1e-9;

function cohortEligible(cohort: Cohort, input: ChoiceInput): ExclusionReason | null {
  const { policy, lead, tierOrder } = input;
  if (policy.matchRegion && lead.region !== null && cohort.region !== lead.region) return 'region';
  if (policy.matchType && lead.type !== null && cohort.type !== lead.type) return 'type';
  if (lead.minTier !== null) {
    const need = tierOrder.indexOf(lead.minTier);
    const held = cohort.tier === null ? -1 : tierOrder.indexOf(cohort.tier);
    if (held < need || held < 0) return 'tier';
  }
  return null;
}

/**
 * One choice for a lead: who is eligible, who gets the offer, and the state it leaves. Pure: the
 * caller stores {@link Choice.accumulators} and {@link Choice.counters} (and counts the offer).
 */
export function choose(input: ChoiceInput): Choice {
  const { population, policy } = input;
  const excludedCounts: Partial<Record<ExclusionReason, number>> = {};
  const excluded: Decision['excluded'] = [];
  const count = (reason: ExclusionReason, n = 1) => {
    excludedCounts[reason] = (excludedCounts[reason] ?? 0) + n;
  };
  const counters: Record<string, PartnerCounters> = {};
  const eligibleCohorts: Cohort[] = [];
  let total = 0;
  const individuals: { i: number; reason: 'capacity' | 'declined' }[] = [];
  for (const cohort of population.cohorts) {
    const reason = cohortEligible(cohort, input);
    if (reason) {
      count(reason, cohort.members.length);
      continue;
    }
    eligibleCohorts.push(cohort);
    total += cohort.weight;
    for (const i of cohort.members) {
      const id = population.ids[i] as string;
      const w = population.weight[i] as number;
      const state = input.counters(id) ?? NO_COUNTERS;
      const capped = loadOf(state) >= capOf(policy, population.tier[i] ?? null);
      const s = input.accumulators[cohort.key] ?? 0;
      // Lazy freeze/unfreeze at the accumulator before this choice (see the module's note).
      if (capped && state.frozenAt === null && w > 0) {
        counters[id] = { ...state, frozenAt: s };
      } else if (!capped && state.frozenAt !== null) {
        counters[id] = { ...state, ref: state.ref + (s - state.frozenAt), frozenAt: null };
      }
      if (capped) individuals.push({ i, reason: 'capacity' });
      else if (input.excludedForLead.has(id)) individuals.push({ i, reason: 'declined' });
      else if (w <= 0) count('weight');
    }
  }
  for (const { i, reason } of individuals) {
    total -= population.weight[i] as number;
    count(reason);
    if (excluded.length < DECISION_LIST_SIZE)
      excluded.push({ partnerId: population.ids[i] as string, reason });
  }
  const chosenNone: Choice = {
    chosen: null,
    decision: { candidates: [], eligible: 0, excluded, excludedCounts },
    accumulators: {},
    counters,
  };
  if (!(total > 0)) return chosenNone;
  const share = 1 / total;
  const left = new Set(individuals.map(({ i }) => i));
  const scored: Scored[] = [];
  let eligible = 0;
  for (const cohort of eligibleCohorts) {
    const s = (input.accumulators[cohort.key] ?? 0) + share;
    for (const i of cohort.members) {
      const w = population.weight[i] as number;
      if (w <= 0 || left.has(i)) continue;
      eligible++;
      const id = population.ids[i] as string;
      const state = counters[id] ?? input.counters(id) ?? NO_COUNTERS;
      const entitled = entitlement(state, w, s);
      scored.push({ i, entitled, gap: entitled - state.offered });
    }
  }
  if (scored.length === 0) return chosenNone;
  const better = urgency(scored.length, share, population.weight);
  let best = scored[0] as (typeof scored)[number];
  for (const entry of scored) if (better(entry, best)) best = entry;
  const top = topCandidates(scored, better, best);
  const accumulators: Record<string, number> = {};
  for (const cohort of eligibleCohorts)
    accumulators[cohort.key] = (input.accumulators[cohort.key] ?? 0) + share;
  // This lead's decliners missed this choice on their own: their reference moves with the cohort.
  for (const { i, reason } of individuals) {
    if (reason !== 'declined') continue;
    const id = population.ids[i] as string;
    const state = counters[id] ?? input.counters(id) ?? NO_COUNTERS;
    if (state.frozenAt === null) counters[id] = { ...state, ref: state.ref + share };
  }
  const chosen = population.ids[best.i] as string;
  const chosenState = counters[chosen] ?? input.counters(chosen) ?? NO_COUNTERS;
  counters[chosen] = { ...chosenState, offered: chosenState.offered + 1 };
  return {
    chosen,
    decision: {
      candidates: top.map(({ i, entitled }) => {
        const id = population.ids[i] as string;
        return {
          partnerId: id,
          weight: population.weight[i] as number,
          entitled,
          offered: (input.counters(id) ?? NO_COUNTERS).offered,
        };
      }),
      eligible,
      excluded,
      excludedCounts,
    },
    accumulators,
    counters,
  };
}

interface Scored {
  i: number;
  entitled: number;
  /** The shortfall `entitled − offered`, this choice's share accrued. */
  gap: number;
}

/**
 * The order of the choice among `k` eligible partners, most urgent first (Tijdeman's rule for the
 * chairman assignment problem, with σ = 1/(2k − 2)):
 *
 * 1. a shortfall of 1 − σ or more (only reached when eligibility changed), the largest first;
 * 2. a shortfall of at least σ, the one that reaches 1 − σ soonest at its share of a lead
 *    (`(1 − σ − gap) / share`) first;
 * 3. the rest (taking the lead would put them ahead by more than 1 − σ), the largest shortfall first.
 *
 * Ties, within TIE: the larger shortfall, then the lower id (population indices ascend with ids).
 * With a fixed eligible set no partner's `offered` ever strays more than 1 − σ from its `entitled`.
 * Plain "largest shortfall first" (smooth weighted round robin) does not keep that bound: two partners
 * with equal weights can both pass a shortfall of 1 at the same lead, and only one gets it.
 */
function urgency(k: number, share: number, weight: Float64Array): (a: Scored, b: Scored) => boolean {
  const sigma = k > 1 ? 1 / (2 * k - 2) : 0;
  const rank = (entry: Scored) => (entry.gap >= 1 - sigma - TIE ? 0 : entry.gap >= sigma - TIE ? 1 : 2);
  const due = (entry: Scored) => (1 - sigma - entry.gap) / ((weight[entry.i] as number) * share);
  return (a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra < rb;
    if (ra === 1) {
      const da = due(a);
      const db = due(b);
      if (Math.abs(da - db) > TIE * Math.max(1, Math.abs(da))) return da < db;
    }
    return Math.abs(a.gap - b.gap) <= TIE ? a.i < b.i : a.gap > b.gap;
  };
}

function topCandidates<T extends { i: number }>(scored: T[], better: (a: T, b: T) => boolean, best: T): T[] {
  if (scored.length <= DECISION_LIST_SIZE)
    return [...scored].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  // Keep the best DECISION_LIST_SIZE in a small sorted list (10,000 candidates, 20 kept).
  const top: T[] = [best];
  for (const entry of scored) {
    if (entry === best) continue;
    if (top.length === DECISION_LIST_SIZE && !better(entry, top[top.length - 1] as T)) continue;
    let at = top.length;
    while (at > 0 && better(entry, top[at - 1] as T)) at--;
    top.splice(at, 0, entry);
    if (top.length > DECISION_LIST_SIZE) top.pop();
  }
  return top;
}
