import type { DistributionPolicy } from './policy.ts';

/**
 * The state the weighted choice (`selection.ts`) works on: partners weighed under a policy and grouped
 * in cohorts, and each partner's counters with the entitlement they imply.
 */

/** A partner of the current ranking, as the choice sees it. */
export interface RankedPartner {
  id: string;
  region: string | null;
  type: string | null;
  tier: string | null;
  score: number | null;
}

/** One partner's counters in a period. */
export interface PartnerCounters {
  offered: number;
  accepted: number;
  declined: number;
  expired: number;
  base: number;
  ref: number;
  /** The accumulator when the partner was capped (it accrues nothing while capped); `null` when not. */
  frozenAt: number | null;
}
/** A partner with no counters yet. */
export const NO_COUNTERS: PartnerCounters = Object.freeze({
  offered: 0,
  accepted: 0,
  declined: 0,
  expired: 0,
  base: 0,
  ref: 0,
  frozenAt: null,
});

/** Offers counting against a partner's cap: open and accepted ones (declined and expired ones freed their slot). */
export function loadOf(counters: PartnerCounters): number {
  return counters.offered - counters.declined - counters.expired;
}

/** The ranking weighed under a policy, grouped in cohorts. Built once per (run, policy). */
export interface WeighedPopulation {
  ids: string[];
  index: Map<string, number>;
  weight: Float64Array;
  tier: (string | null)[];
  cohortOf: Int32Array;
  cohorts: Cohort[];
}
/** Partners of one ranking that share region, type and tier: eligible or not together. */
export interface Cohort {
  key: string;
  region: string | null;
  type: string | null;
  tier: string | null;
  /** Σ of its members' positive weights. */
  weight: number;
  /** Member indices, ascending by id. */
  members: number[];
}

/** A partner's weight under the policy: its score or its tier's weight; anything not a positive finite number is 0 (never chosen). */
export function weightOf(policy: DistributionPolicy, partner: Pick<RankedPartner, 'tier' | 'score'>): number {
  const raw =
    policy.weight === 'tier'
      ? partner.tier === null
        ? 0
        : (policy.tierWeights[partner.tier] ?? 0)
      : (partner.score ?? 0);
  return Number.isFinite(raw) && raw > 0 ? raw : 0;
}
/** The key of a cohort (in `WeighedPopulation.cohorts` and the accumulators). */
export function cohortKey(region: string | null, type: string | null, tier: string | null): string {
  return JSON.stringify([region, type, tier]);
}

/** Groups the ranking in cohorts and weighs every partner. */
export function weigh(partners: readonly RankedPartner[], policy: DistributionPolicy): WeighedPopulation {
  const sorted = [...partners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = sorted.map((p) => p.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const weight = new Float64Array(sorted.length);
  const cohortOf = new Int32Array(sorted.length);
  const cohorts: Cohort[] = [];
  const byKey = new Map<string, number>();
  sorted.forEach((partner, i) => {
    const w = weightOf(policy, partner);
    weight[i] = w;
    const key = cohortKey(partner.region, partner.type, partner.tier);
    let c = byKey.get(key);
    if (c === undefined) {
      c = cohorts.length;
      byKey.set(key, c);
      cohorts.push({
        key,
        region: partner.region,
        type: partner.type,
        tier: partner.tier,
        weight: 0,
        members: [],
      });
    }
    const cohort = cohorts[c] as Cohort;
    cohort.weight += w;
    cohort.members.push(i);
    cohortOf[i] = c;
  });
  return { ids, index, weight, tier: sorted.map((p) => p.tier), cohortOf, cohorts };
}
/** A partner's entitlement under the accumulator `s` of its cohort. */
export function entitlement(counters: PartnerCounters, weight: number, s: number): number {
  return counters.base + weight * ((counters.frozenAt ?? s) - counters.ref);
}

/**
 * A partner's counters carried into a new ranking (another run changes weights and cohorts): its
 * entitlement so far becomes its base, measured from a fresh accumulator.
 */
export function fold(counters: PartnerCounters, oldWeight: number, oldAccumulator: number): PartnerCounters {
  return {
    ...counters,
    base: entitlement(counters, oldWeight, oldAccumulator),
    ref: 0,
    frozenAt: null,
  };
}
