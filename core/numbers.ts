import * as z from 'zod/mini';

/** Smallest non-zero magnitude DynamoDB stores. */
export const MIN_STORABLE_MAGNITUDE = 1e-130;
/** DynamoDB stores magnitudes strictly below this. */
export const MAX_STORABLE_MAGNITUDE = 1e126;

/** What a number outside the stored range is told, wherever it is checked (model, partner, CSV cell). */
export const STORABLE_NUMBER_MESSAGE =
  'must be 0 or between 1e-130 and 1e126 in magnitude (the stored number range)';

/**
 * Whether DynamoDB can store `x` as a number: 0, or 1e-130 ≤ |x| < 1e126 (every double carries
 * fewer than its 38 significant digits). `false` for NaN and ±Infinity. A double inside the range
 * is written by the SDK in a form inside it too, so this is exact at both ends.
 */
export function isStorableNumber(x: number): boolean {
  if (x === 0) return true;
  const magnitude = Math.abs(x);
  return magnitude >= MIN_STORABLE_MAGNITUDE && magnitude < MAX_STORABLE_MAGNITUDE;
}

/**
 * zod/mini check of {@link isStorableNumber} with {@link STORABLE_NUMBER_MESSAGE}:
 * `z.number().check(storableNumber)`.
 */
export const storableNumber = z.refine<number>(isStorableNumber, STORABLE_NUMBER_MESSAGE);
