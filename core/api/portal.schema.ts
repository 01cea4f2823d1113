/** Bodies of the partner portal's routes: partner users, the caller, its scorecard. */
import * as z from 'zod/mini';
import { isoTime, nullableNumber, nullableString } from './fields.ts';

const partnerUserRole = z.enum(['viewer', 'admin']);

/**
 * A partner user's membership: the one place its partner comes from. Looked up by `userId` (the
 * token's `sub`) on every `/me` request; `revoked` shuts it out at its next request.
 */
export const partnerUserSchema = z.object({
  userId: z.string().check(z.describe('The user’s `sub` in the sign-in directory')),
  email: z.string(),
  partnerId: z.string(),
  role: partnerUserRole,
  status: z.enum(['active', 'revoked']),
  createdAt: isoTime,
  revokedAt: z.nullable(isoTime),
});
export type PartnerUser = z.infer<typeof partnerUserSchema>;

export const partnerUserListSchema = z.object({ items: z.array(partnerUserSchema) });

/** The 201 of an invitation; `localPassword` only on the local stack (never on AWS). */
export const invitedUserSchema = z.object({
  ...partnerUserSchema.shape,
  localPassword: z.optional(
    z
      .string()
      .check(z.describe('Local stack only: the password for the local issuer’s sign-in and password grant')),
  ),
});

export const meSchema = z.object({
  userId: z.string(),
  email: z.string(),
  partnerId: z.string(),
  partnerName: z.string(),
  role: partnerUserRole,
});

const tenths = z.number().check(z.describe('Rounded to 0.1'));

/** One metric of a scorecard: the partner's own value and points. */
export const scorecardMetricSchema = z.object({
  metric: z.string(),
  group: z.string(),
  /** The partner's own stored value (null when it has none). */
  value: nullableNumber,
  /** What the metric gives the partner now. */
  points: tenths,
  /** What the metric can give this partner at most; null when unbounded (`none`). */
  maxPoints: z.nullable(tenths),
});
export type ScorecardMetric = z.infer<typeof scorecardMetricSchema>;

/**
 * A partner's own scorecard (contract §3.1). Built from the partner's own score alone: never another
 * partner's id, name, score or tier, the exact rank, the number of partners, a normalised value or a
 * population statistic. Points are rounded to 0.1 and the score floored to 0.1, so that a partner
 * who knows its raw values cannot solve the population's minimum and maximum from them (what can
 * still be inferred is in docs/partner-access.md).
 */
export const scorecardSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  tier: nullableString,
  score: z.nullable(z.number().check(z.describe('The own score, floored to 0.1; null before any run'))),
  runId: nullableString,
  scoredAt: z.nullable(isoTime),
  modelVersion: z.number(),
  provisional: z.boolean(),
  percentileBand: z.nullable(
    z.string().check(z.describe('`top 10%`, `top 25%`, `top 50%` or `bottom 50%`; null under 20 partners')),
  ),
  nextTier: z.nullable(z.object({ name: z.string(), pointsNeeded: tenths })),
  marginToDemotion: z.nullable(
    z.number().check(z.describe('score − (held tier’s minScore − tierHysteresis), floored to 0.1')),
  ),
  metrics: z.array(scorecardMetricSchema),
  /** Metrics with points left to gain, the most first: where to work. */
  workOn: z.array(z.object({ metric: z.string(), pointsAvailable: tenths })),
  /** The partner's data date (its last applied upsert's `asOf`). */
  dataAsOf: isoTime,
});
export type Scorecard = z.infer<typeof scorecardSchema>;

/** One run of a partner's own history. */
export const scorecardHistoryItemSchema = z.object({
  runId: z.string(),
  scoredAt: isoTime,
  score: z.number(),
  tier: nullableString,
  percentileBand: nullableString,
});
export type ScorecardHistoryItem = z.infer<typeof scorecardHistoryItemSchema>;

export const scorecardHistorySchema = z.object({
  items: z.array(scorecardHistoryItemSchema),
  nextCursor: nullableString,
});
