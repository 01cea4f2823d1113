import { logger } from '../observability.ts';
import type { PartnerStore, PartnerUpsert, UpsertOutcome } from '../ports.ts';

/** An item the store refused for good (see {@link upsertOrRefuse}). */
export const REFUSED = Symbol('refused');

/** Errors a write can never succeed after: DynamoDB's verdict on the item itself. */
const NON_RETRYABLE_WRITE_ERRORS = new Set(['ValidationException']);

/**
 * Upserts `items`; when the store refuses the request for good (a {@link NON_RETRYABLE_WRITE_ERRORS}
 * error), splits it in halves, in order (a repeated id keeps its order), until the refused items
 * are alone, and returns {@link REFUSED} for those. Any other error (throttling, network) is
 * rethrown, so the event's retry resumes from the last checkpoint; rewriting the same rows again
 * is harmless (same data, same `asOf`).
 */
export async function upsertOrRefuse(
  store: PartnerStore,
  items: readonly PartnerUpsert[],
): Promise<(UpsertOutcome | typeof REFUSED)[]> {
  try {
    return await store.upsert(items);
  } catch (error) {
    if (!NON_RETRYABLE_WRITE_ERRORS.has((error as Error | undefined)?.name ?? '')) throw error;
    if (items.length === 1) {
      logger.warn('a row was refused by the store', { id: items[0]?.id, error: error as Error });
      return [REFUSED];
    }
    const half = Math.ceil(items.length / 2);
    const first = await upsertOrRefuse(store, items.slice(0, half));
    return [...first, ...(await upsertOrRefuse(store, items.slice(half)))];
  }
}
