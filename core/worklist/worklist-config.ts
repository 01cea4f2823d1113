import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';

/** How the worklist and the freshness check judge a run (contract §3.2). */
export interface WorklistConfig {
  /** `TIER_AT_RISK` medium and `NEAR_NEXT_TIER` within this many points of a tier's `minScore`. */
  nearTierPoints: number;
  /** `DROPPING` when the score fell by at least this much… */
  dropPoints: number;
  /** …against the score this many completed runs earlier. */
  dropRuns: number;
  /** `STALE` medium (and freshness `warn`) past this many days since the partner's `asOf`. */
  staleWarnDays: number;
  /** `STALE` high (and freshness `fail`) past this many days. */
  staleErrorDays: number;
}

export const DEFAULT_WORKLIST_CONFIG: WorklistConfig = {
  nearTierPoints: 3,
  dropPoints: 10,
  dropRuns: 3,
  staleWarnDays: 30,
  staleErrorDays: 90,
};

/** Most runs back `dropRuns` may reach (one Query of the run log finds them). */
export const MAX_DROP_RUNS = 30;

const points = (name: string) =>
  z
    .number(`${name} must be a number of points`)
    .check(
      z.refine(
        (value) => Number.isFinite(value) && value > 0 && value <= 1000,
        `${name} must be from 0 (exclusive) to 1000`,
      ),
    );
const days = (name: string) =>
  z
    .int(`${name} must be a whole number of days`)
    .check(z.refine((value) => value >= 1 && value <= 3650, `${name} must be from 1 to 3650`));

/** `PUT /worklist/config`: every field, or some (the others stay as they are). */
export const worklistConfigSchema = z
  .strictObject({
    nearTierPoints: z.optional(points('nearTierPoints')),
    dropPoints: z.optional(points('dropPoints')),
    dropRuns: z.optional(
      z
        .int('dropRuns must be a whole number of runs')
        .check(
          z.refine(
            (value) => value >= 1 && value <= MAX_DROP_RUNS,
            `dropRuns must be from 1 to ${MAX_DROP_RUNS}`,
          ),
        ),
    ),
    staleWarnDays: z.optional(days('staleWarnDays')),
    staleErrorDays: z.optional(days('staleErrorDays')),
  })
  .check(z.describe('Worklist settings; fields left out keep their value.'));

export const worklistConfigResponseSchema = z.object({
  nearTierPoints: z.number(),
  dropPoints: z.number(),
  dropRuns: z.number(),
  staleWarnDays: z.number(),
  staleErrorDays: z.number(),
});

/** Validates a `PUT /worklist/config` body against the current settings (400 with a path per problem). */
export function parseWorklistConfig(body: unknown, current: WorklistConfig): WorklistConfig {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'send the worklist settings as a JSON object' }]);
  }
  const parsed = parseOrThrow(worklistConfigSchema, body);
  const next: WorklistConfig = { ...current };
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== undefined) next[key as keyof WorklistConfig] = value;
  }
  if (next.staleErrorDays <= next.staleWarnDays) {
    throw new ValidationError([
      {
        path: '/staleErrorDays',
        message: `staleErrorDays (${next.staleErrorDays}) must be greater than staleWarnDays (${next.staleWarnDays})`,
      },
    ]);
  }
  return next;
}

/**
 * The settings as stored: the current ones, when they changed, and the ones before, so that a change
 * applies from the next run (a run started before the change keeps the earlier settings).
 */
export interface StoredWorklistConfig {
  config: WorklistConfig;
  changedAt: string;
  previous: WorklistConfig;
}

/** The settings a run started at `startedAt` uses. */
export function configForRun(stored: StoredWorklistConfig | null, startedAt: string): WorklistConfig {
  if (!stored) return DEFAULT_WORKLIST_CONFIG;
  return stored.changedAt <= startedAt ? stored.config : stored.previous;
}
