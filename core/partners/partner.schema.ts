import * as z from 'zod/mini';
import { type FieldError, ValidationError } from '../errors.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { storableNumber } from '../numbers.ts';
import type { PartnerUpsert } from '../ports.ts';
import { zodIssuesToFieldErrors } from '../validation.ts';
import {
  futureAsOfProblem,
  isWellFormed,
  MAX_TEXT_LENGTH,
  parseAsOf,
  partnerIdProblem,
  WELL_FORMED_MESSAGE,
} from './partner-rules.ts';

/** Most partners in one `POST /partners` request (contract §3). */
export const MAX_PARTNERS_PER_REQUEST = 1000;

/** Messages that say what is expected, since zod/mini ships no locale ("Invalid input"). */
const required = (expected: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : expected),
});

const text = (expected: string) =>
  z
    .string(required(expected))
    .check(
      z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
      z.refine(isWellFormed, WELL_FORMED_MESSAGE),
    );

const metricValue = z.nullable(
  z.number(required('must be a finite number, or null to remove the value')).check(storableNumber),
);

const partnerSchema = z.object(
  {
    id: z.string(required('must be a string of 1 to 128 characters')).check(
      z.superRefine((id, ctx) => {
        const problem = partnerIdProblem(id);
        if (problem) ctx.issues.push({ code: 'custom', message: problem, input: id });
      }),
    ),
    name: z.optional(text('must be a string').check(z.minLength(1, 'must not be empty'))),
    type: z.optional(z.nullable(text('must be a string, or null to remove it'))),
    region: z.optional(z.nullable(text('must be a string, or null to remove it'))),
    // Names and values are checked one by one in `checkMetrics`: a record schema drops `__proto__`.
    metrics: z.optional(
      z.record(z.string(), z.unknown(), required('must be an object of metric names to numbers or null')),
    ),
    asOf: z.optional(z.string(required('must be an ISO-8601 date or date-time string'))),
  },
  required('must be a partner object'),
);

const batchSchema = z.object({
  partners: z
    .array(z.unknown(), required('must be an array of partner objects'))
    .check(
      z.minLength(1, 'needs at least one partner'),
      z.maxLength(MAX_PARTNERS_PER_REQUEST, `at most ${MAX_PARTNERS_PER_REQUEST} partners per request`),
    ),
});

const documentedPartner = z.extend(partnerSchema, {
  metrics: z.optional(
    z
      .record(z.string(), metricValue)
      .check(
        z.describe(
          "Metric values by name, matched to the active model's metrics case- and punctuation-insensitively; null removes a value, a missing metric keeps its value.",
        ),
      ),
  ),
  asOf: z.optional(
    z
      .string()
      .check(
        z.describe('ISO-8601 date or date-time the data describes (default: now); an older one is stale'),
      ),
  ),
});

/**
 * The `POST /partners` body for the API description: {@link partnerSchema} and the batch schema this
 * module validates with, metrics shown as `checkMetrics` checks them (one by one, against the model).
 */
export const partnerRequestSchema = z.union([
  documentedPartner,
  z.object({
    partners: z.array(documentedPartner).check(z.minLength(1), z.maxLength(MAX_PARTNERS_PER_REQUEST)),
  }),
]);

/**
 * Validates a `POST /partners` body (one partner object, or `{partners: […]}`) against the active
 * model and returns the upserts in request order. Every item is checked before anything is
 * written; all problems are thrown together as one {@link ValidationError} with JSON pointers
 * (`/partners/3/metrics/sales`). Metric names are matched with `normalizeName`; unknown ones are
 * rejected with the list of known names. A missing `asOf` becomes `now`; one more than a day after
 * `now` is rejected.
 */
export function parsePartnerRequest(body: unknown, model: ScoringModel, now: string): PartnerUpsert[] {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'expected a partner object or {"partners": [ … ]}' }]);
  }
  const isBatch = 'partners' in body;
  let items: unknown[] = [body];
  if (isBatch) {
    const batch = z.safeParse(batchSchema, body);
    if (!batch.success) throw new ValidationError(zodIssuesToFieldErrors(batch.error.issues));
    items = batch.data.partners;
  }
  const known = new Map(model.metrics.map((m) => [normalizeName(m.name), m.name]));
  const errors: FieldError[] = [];
  const upserts: PartnerUpsert[] = [];
  items.forEach((item, i) => {
    const prefix = isBatch ? ['partners', i] : [];
    const pointer = isBatch ? `/partners/${i}` : '';
    const parsed = z.safeParse(partnerSchema, item);
    if (!parsed.success) errors.push(...zodIssuesToFieldErrors(parsed.error.issues, prefix));
    // The request's own metrics object, not zod's copy (which drops a `__proto__` key).
    const given = (item as { metrics?: unknown } | null)?.metrics;
    const metrics = isJsonObject(given) ? checkMetrics(given, known, `${pointer}/metrics`, errors) : {};
    if (!parsed.success) return;
    const partner = parsed.data;
    let asOf = now;
    if (partner.asOf !== undefined) {
      const canonical = parseAsOf(partner.asOf);
      const problem =
        canonical === null ? 'must be an ISO-8601 date or date-time' : futureAsOfProblem(canonical, now);
      if (problem !== null) errors.push({ path: `${pointer}/asOf`, message: problem });
      else asOf = canonical as string;
    }
    upserts.push({
      id: partner.id,
      ...(partner.name !== undefined ? { name: partner.name } : {}),
      ...(partner.type !== undefined ? { type: partner.type } : {}),
      ...(partner.region !== undefined ? { region: partner.region } : {}),
      metrics,
      asOf,
    });
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return upserts;
}

/**
 * The metrics of one item keyed by normalised name, problems pushed to `errors`. Reads the request's
 * own keys (JSON.parse makes `__proto__` one), so no name is silently dropped.
 */
function checkMetrics(
  given: Record<string, unknown>,
  known: ReadonlyMap<string, string>,
  pointer: string,
  errors: FieldError[],
): Record<string, number | null> {
  const metrics: Record<string, number | null> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) {
    const key = normalizeName(name);
    const path = `${pointer}/${escapePointer(name)}`;
    if (!known.has(key)) {
      errors.push({
        path,
        message: `unknown metric; the active model's metrics are: ${[...known.values()].join(', ')}`,
      });
      continue;
    }
    const other = seen.get(key);
    if (other !== undefined) {
      errors.push({ path, message: `names the same metric as "${other}"` });
      continue;
    }
    seen.set(key, name);
    const checked = z.safeParse(metricValue, value);
    if (checked.success) metrics[key] = checked.data;
    else errors.push(...zodIssuesToFieldErrors(checked.error.issues).map((e) => ({ ...e, path })));
  }
  return metrics;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
