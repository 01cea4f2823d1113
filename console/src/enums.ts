/**
 * The values of the API's enumerations the console offers or orders by. Each list is typed by the
 * generated client (`client/api-types.ts`): a value the API does not have, or one it has and a list
 * lacks, is a compile error, so the console follows the API instead of restating the service's core.
 */
import type { DistributionPolicy, LeadDecision, LeadStatus, ModelMetric } from './api.ts';

/** The members of a string union, in the order of `order`: every member exactly once. */
function members<T extends string>(order: Record<T, true>): T[] {
  return Object.keys(order) as T[];
}

export const METRIC_GROUPS = members<ModelMetric['group']>({ business: true, relationship: true });

export const NORMALIZATIONS = members<ModelMetric['normalization']>({
  none: true,
  minmax: true,
  log: true,
  zscore: true,
  percentile: true,
});

export const DIRECTIONS = members<ModelMetric['direction']>({ higher: true, lower: true });

export const WHEN_MISSING = members<ModelMetric['missing']>({ zero: true, neutral: true, exclude: true });

/** Lead statuses in the order of their life: offered, then accepted, or unassigned for a manual offer. */
export const LEAD_STATUSES = members<LeadStatus>({
  new: true,
  offered: true,
  accepted: true,
  unassigned: true,
});

/** Why a partner was left out of a lead's choice, in words. */
export const EXCLUSION_REASONS: Record<LeadDecision['excluded'][number]['reason'], string> = {
  region: 'another region',
  type: 'another type',
  tier: 'below the minimum tier',
  weight: 'no weight',
  capacity: 'at capacity this period',
  declined: 'declined or let expire an offer of this lead',
};

/** How a partner's weight in the distribution is set. */
export const POLICY_WEIGHTS = members<DistributionPolicy['weight']>({ score: true, tier: true });
