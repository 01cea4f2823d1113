import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';

/**
 * The distribution policy (contract §3.3): who is eligible for a lead, how much each eligible partner
 * weighs, how many offers a partner may hold per period, and how long an offer stays open.
 */
export interface DistributionPolicy {
  /** Lowest tier a partner must hold (tier names of the active model); `null`: every tier, and untiered partners. */
  minTier: string | null;
  /** Only partners of the lead's region (a lead without a region matches every partner). */
  matchRegion: boolean;
  /** Only partners of the lead's type (a lead without a type matches every partner). */
  matchType: boolean;
  /** `score`: the partner's score is its weight; `tier`: `tierWeights[tier]`. */
  weight: 'score' | 'tier';
  /** Weight per tier name for `weight: "tier"`; a tier not listed weighs 0 (never chosen). */
  tierWeights: Record<string, number>;
  /** Offers a partner may hold per period (open and accepted count); `null`: no cap. */
  capPerPeriod: { default: number | null; byTier: Record<string, number> };
  /** The counting period: calendar months (UTC). */
  period: 'month';
  /** Minutes a partner has to accept or decline an offer. */
  slaMinutes: number;
  /** Offers made for one lead before it goes to the vendor's queue as `unassigned`. */
  maxAttempts: number;
}

export const DEFAULT_POLICY: DistributionPolicy = {
  minTier: null,
  matchRegion: true,
  matchType: false,
  weight: 'score',
  tierWeights: {},
  capPerPeriod: { default: null, byTier: {} },
  period: 'month',
  slaMinutes: 2880,
  maxAttempts: 3,
};

/** Longest deadline: 30 days. */
export const MAX_SLA_MINUTES = 43_200;
/** Most offers per lead. */
export const MAX_ATTEMPTS = 10;
/** Most tier entries in `tierWeights` or `capPerPeriod.byTier`. */
export const MAX_TIER_ENTRIES = 50;

const tierName = z.string().check(z.minLength(1), z.maxLength(64));
const weightValue = z
  .number('a weight is a number')
  .check(z.refine((v) => Number.isFinite(v) && v >= 0 && v <= 1e9, 'a weight is from 0 to 1e9'));
const capValue = z
  .int('a cap is a whole number of offers')
  .check(z.refine((v) => v >= 0 && v <= 1_000_000, 'a cap is from 0 to 1,000,000'));
const tierRecord = <T extends z.ZodMiniType>(value: T) =>
  z
    .record(tierName, value)
    .check(
      z.refine(
        (record) => Object.keys(record).length <= MAX_TIER_ENTRIES,
        `at most ${MAX_TIER_ENTRIES} tiers`,
      ),
    );

/** `PUT /distribution/policy`: every field, or some (the others keep their value). */
export const policyBodySchema = z
  .strictObject({
    minTier: z.optional(z.nullable(tierName)),
    matchRegion: z.optional(z.boolean('matchRegion must be true or false')),
    matchType: z.optional(z.boolean('matchType must be true or false')),
    weight: z.optional(z.enum(['score', 'tier'], 'weight must be score or tier')),
    tierWeights: z.optional(tierRecord(weightValue)),
    capPerPeriod: z.optional(
      z.strictObject({
        default: z.optional(z.nullable(capValue)),
        byTier: z.optional(tierRecord(capValue)),
      }),
    ),
    period: z.optional(z.literal('month', 'period must be month')),
    slaMinutes: z.optional(
      z
        .int('slaMinutes must be a whole number of minutes')
        .check(
          z.refine((v) => v >= 1 && v <= MAX_SLA_MINUTES, `slaMinutes must be from 1 to ${MAX_SLA_MINUTES}`),
        ),
    ),
    maxAttempts: z.optional(
      z
        .int('maxAttempts must be a whole number')
        .check(z.refine((v) => v >= 1 && v <= MAX_ATTEMPTS, `maxAttempts must be from 1 to ${MAX_ATTEMPTS}`)),
    ),
  })
  .check(z.describe('Distribution policy; fields left out keep their value.'));

export const policySchema = z.object({
  minTier: z.nullable(z.string()),
  matchRegion: z.boolean(),
  matchType: z.boolean(),
  weight: z.enum(['score', 'tier']),
  tierWeights: z.record(z.string(), z.number()),
  capPerPeriod: z.object({
    default: z.nullable(z.number()),
    byTier: z.record(z.string(), z.number()),
  }),
  period: z.literal('month'),
  slaMinutes: z.number(),
  maxAttempts: z.number(),
});

/** Validates a `PUT /distribution/policy` body on top of the current policy (400 with a path per problem). */
export function parsePolicy(body: unknown, current: DistributionPolicy): DistributionPolicy {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'send the policy as a JSON object' }]);
  }
  const { capPerPeriod, ...rest } = parseOrThrow(policyBodySchema, body);
  const next: DistributionPolicy = { ...current, capPerPeriod: { ...current.capPerPeriod } };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (capPerPeriod?.default !== undefined) next.capPerPeriod.default = capPerPeriod.default;
  if (capPerPeriod?.byTier !== undefined) next.capPerPeriod.byTier = capPerPeriod.byTier;
  return next;
}

/** The period a time falls in: `2026-12` (calendar month, UTC). */
export function periodOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The cap of a partner of `tier` in a period; `Infinity` when none. */
export function capOf(policy: DistributionPolicy, tier: string | null): number {
  const byTier = tier === null ? undefined : policy.capPerPeriod.byTier[tier];
  if (byTier !== undefined) return byTier;
  return policy.capPerPeriod.default ?? Number.POSITIVE_INFINITY;
}
