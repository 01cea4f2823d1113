import type { DistributionPolicy } from './policy.ts';
import {
  type Choice,
  choose,
  entitlement,
  type LeadFilter,
  NO_COUNTERS,
  type PartnerCounters,
  type RankedPartner,
  type WeighedPopulation,
  weigh,
} from './selection.ts';

/**
 * The weighted choice with its state in memory: what the stored distribution does, without the
 * storage. The property tests and the `leads.maxLag` bench drive it.
 */
export class InMemoryDistribution {
  readonly population: WeighedPopulation;
  readonly accumulators: Record<string, number> = {};
  readonly counters = new Map<string, PartnerCounters>();

  constructor(
    partners: readonly RankedPartner[],
    readonly policy: DistributionPolicy,
    readonly tierOrder: readonly string[] = [],
  ) {
    this.population = weigh(partners, policy);
  }

  /** One choice for a lead; its state applied. */
  offer(lead: Partial<LeadFilter> = {}, excludedForLead: ReadonlySet<string> = new Set()): Choice {
    const choice = choose({
      population: this.population,
      policy: this.policy,
      tierOrder: this.tierOrder,
      lead: { region: lead.region ?? null, type: lead.type ?? null, minTier: lead.minTier ?? null },
      excludedForLead,
      accumulators: this.accumulators,
      counters: (id) => this.counters.get(id),
    });
    Object.assign(this.accumulators, choice.accumulators);
    for (const [id, counters] of Object.entries(choice.counters)) this.counters.set(id, counters);
    return choice;
  }

  /** Records an answer: a decline or an expiry frees the partner's slot. */
  answer(partnerId: string, outcome: 'accepted' | 'declined' | 'expired'): void {
    const state = this.counters.get(partnerId) ?? NO_COUNTERS;
    this.counters.set(partnerId, { ...state, [outcome]: state[outcome] + 1 });
  }

  /** A partner's entitlement now. */
  entitled(partnerId: string): number {
    const i = this.population.index.get(partnerId);
    if (i === undefined) return 0;
    const cohort = this.population.cohorts[this.population.cohortOf[i] as number];
    return entitlement(
      this.counters.get(partnerId) ?? NO_COUNTERS,
      this.population.weight[i] as number,
      this.accumulators[cohort?.key ?? ''] ?? 0,
    );
  }

  offered(partnerId: string): number {
    return (this.counters.get(partnerId) ?? NO_COUNTERS).offered;
  }
}
