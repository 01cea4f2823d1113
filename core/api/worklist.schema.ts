/** Bodies of the worklist routes. */
import * as z from 'zod/mini';
import { isoTime, nullableNumber, nullableString } from './fields.ts';

/** Why a partner is on the worklist. */
export const worklistReasonSchema = z.enum(['TIER_AT_RISK', 'NEAR_NEXT_TIER', 'DROPPING', 'STALE']);
/** How urgent an item is, highest first. */
export const worklistSeveritySchema = z.enum(['high', 'medium', 'low']);

/** One worklist item, as `GET /worklist` shows it. */
export const worklistItemSchema = z.object({
  itemId: z.string(),
  partnerId: z.string(),
  name: z.string(),
  tier: nullableString,
  score: nullableNumber,
  reason: worklistReasonSchema,
  severity: worklistSeveritySchema,
  openedAt: isoTime,
  detail: z
    .record(z.string(), z.union([z.number(), z.string()]))
    .check(
      z.describe(
        'Why: TIER_AT_RISK {tier, minScore, margin}; NEAR_NEXT_TIER {nextTier, pointsNeeded}; DROPPING {change, scoreThen, runsBack}; STALE {days}.',
      ),
    ),
  state: z
    .enum(['open', 'snoozed', 'dismissed', 'done'])
    .check(z.describe('`done` only in the answer to a done action.')),
  snoozedUntil: z.nullable(isoTime),
});
export type WorklistItemView = z.infer<typeof worklistItemSchema>;

export const worklistPageSchema = z.object({
  runId: nullableString,
  items: z.array(worklistItemSchema),
  nextCursor: nullableString,
});
export type WorklistResponse = z.infer<typeof worklistPageSchema>;
