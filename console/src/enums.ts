/**
 * The values of the API's enumerations the console offers or orders by. Each list is typed by the
 * generated client (`client/api-types.ts`): a value the API does not have, or one it has and a list
 * lacks, is a compile error, so the console follows the API instead of restating the service's core.
 */
import type { ModelMetric } from './api.ts';

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
