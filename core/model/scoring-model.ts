import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { normalizeName } from '../names.ts';
import { storableNumber } from '../numbers.ts';
import { parseOrThrow } from '../validation.ts';

export const METRIC_GROUPS = ['business', 'relationship'] as const;
export const NORMALIZATIONS = ['none', 'minmax', 'log', 'zscore', 'percentile'] as const;
export const DIRECTIONS = ['higher', 'lower'] as const;
export const MISSING_POLICIES = ['zero', 'neutral', 'exclude'] as const;

export type MetricGroup = (typeof METRIC_GROUPS)[number];
export type Normalization = (typeof NORMALIZATIONS)[number];

/** Messages that say what is expected, since zod/mini ships no locale ("Invalid input"). */
const required = (expected: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : expected),
});
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, required(`must be one of: ${values.join(', ')}`));

// Every number of a model is stored, so each must lie in DynamoDB's range (see `isStorableNumber`).
const storable = z.number(required('must be a finite number')).check(storableNumber);
/** A storable number that also meets `bound`; a value failing `bound` gets only that message. */
const storableWhere = (bound: z.core.$ZodCheck<number>) =>
  z.number(required('must be a finite number')).check(bound, storableNumber);
const nullableStorable = z._default(z.nullable(storable), null);

const metricSchema = z.object(
  {
    name: z
      .string(required('must be a string'))
      .check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(64, 'must be at most 64 characters'),
        z.regex(/[\p{L}\p{N}]/u, 'must contain a letter or digit'),
      ),
    group: oneOf(METRIC_GROUPS),
    weight: storableWhere(z.gte(0, { message: 'must be 0 or more', abort: true })),
    normalization: z._default(oneOf(NORMALIZATIONS), 'minmax'),
    direction: z._default(oneOf(DIRECTIONS), 'higher'),
    missing: z._default(oneOf(MISSING_POLICIES), 'zero'),
    cap: z._default(
      z.object({ min: nullableStorable, max: nullableStorable }, required('must be an object')),
      {
        min: null,
        max: null,
      },
    ),
    halfLifeDays: z._default(
      z.nullable(storableWhere(z.gt(0, { message: 'must be greater than 0', abort: true }))),
      null,
    ),
  },
  required('must be an object'),
);

const tierSchema = z.object(
  {
    name: z
      .string(required('must be a string'))
      .check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters')),
    minScore: storable,
  },
  required('must be an object'),
);

export const scoringModelSchema = z.object(
  {
    metrics: z
      .array(metricSchema, required('must be an array of metrics'))
      .check(z.minLength(1, 'needs at least one metric'), z.maxLength(50, 'at most 50 metrics')),
    tiers: z
      .array(tierSchema, required('must be an array of tiers'))
      .check(z.minLength(1, 'needs at least one tier'), z.maxLength(20, 'at most 20 tiers')),
    tierHysteresis: z._default(storableWhere(z.gte(0, { message: 'must be 0 or more', abort: true })), 0),
  },
  required('must be a JSON object'),
);

/** One weighted metric of a scoring model (contract §5). */
export type MetricSpec = z.output<typeof metricSchema>;
/** A tier: partners scoring at least `minScore` hold it. */
export type TierSpec = z.output<typeof tierSchema>;
/** A complete, validated scoring model. */
export type ScoringModel = z.output<typeof scoringModelSchema>;

/**
 * Validates an untrusted model and fills defaults. Throws {@link ValidationError} listing every
 * problem with its JSON pointer (`/metrics/2/weight`), ready for a 400 response.
 */
export function parseScoringModel(input: unknown): ScoringModel {
  const model = parseOrThrow(scoringModelSchema, input);
  const errors: { path: string; message: string }[] = [];
  const seen = new Map<string, number>();
  model.metrics.forEach((metric, i) => {
    const key = normalizeName(metric.name);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        path: `/metrics/${i}/name`,
        message: `collides with /metrics/${first}/name after name matching`,
      });
    } else seen.set(key, i);
    if (metric.cap.min !== null && metric.cap.max !== null && metric.cap.min > metric.cap.max) {
      errors.push({ path: `/metrics/${i}/cap/min`, message: 'must not exceed cap.max' });
    }
  });
  const tierNames = new Set<string>();
  model.tiers.forEach((tier, i) => {
    if (tierNames.has(tier.name))
      errors.push({ path: `/tiers/${i}/name`, message: 'tier names must be unique' });
    tierNames.add(tier.name);
    const previous = model.tiers[i - 1];
    if (previous && !(tier.minScore < previous.minScore)) {
      errors.push({
        path: `/tiers/${i}/minScore`,
        message: 'minScore must be strictly below the tier before it',
      });
    }
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return model;
}
