import * as z from 'zod/mini';
import { type FieldError, ValidationError } from '../errors.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { storableNumber } from '../numbers.ts';
import type { PartnerUpsert } from '../ports.ts';
import { zodIssuesToFieldErrors } from '../validation.ts';
import { MAX_TEXT_LENGTH, parseAsOf, partnerIdProblem } from './partner-rules.ts';

/** Most partners in one `POST /partners` request (contract §3). */
export const MAX_PARTNERS_PER_REQUEST = 1000;

const text = z.string().check(z.maxLength(MAX_TEXT_LENGTH));

const partnerSchema = z.object({
  id: z.string().check(
    z.superRefine((id, ctx) => {
      const problem = partnerIdProblem(id);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: id });
    }),
  ),
  name: z.optional(text.check(z.minLength(1))),
  type: z.optional(z.nullable(text)),
  region: z.optional(z.nullable(text)),
  metrics: z._default(z.record(z.string(), z.nullable(z.number().check(storableNumber))), {}),
  asOf: z.optional(z.string()),
});

const batchSchema = z.object({
  partners: z
    .array(z.unknown())
    .check(
      z.minLength(1, 'needs at least one partner'),
      z.maxLength(MAX_PARTNERS_PER_REQUEST, `at most ${MAX_PARTNERS_PER_REQUEST} partners per request`),
    ),
});

/**
 * Validates a `POST /partners` body (one partner object, or `{partners: […]}`) against the active
 * model and returns the upserts in request order. Every item is checked before anything is
 * written; all problems are thrown together as one {@link ValidationError} with JSON pointers
 * (`/partners/3/metrics/sales`). Metric names are matched with `normalizeName`; unknown ones are
 * rejected with the list of known names. A missing `asOf` becomes `now`.
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
    if (!parsed.success) {
      errors.push(...zodIssuesToFieldErrors(parsed.error.issues, prefix));
      return;
    }
    const partner = parsed.data;
    const metrics: Record<string, number | null> = {};
    const seen = new Map<string, string>();
    for (const [name, value] of Object.entries(partner.metrics)) {
      const key = normalizeName(name);
      const path = `${pointer}/metrics/${escapePointer(name)}`;
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
      metrics[key] = value;
    }
    let asOf = now;
    if (partner.asOf !== undefined) {
      const canonical = parseAsOf(partner.asOf);
      if (canonical === null) {
        errors.push({ path: `${pointer}/asOf`, message: 'must be an ISO-8601 date or date-time' });
      } else asOf = canonical;
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

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
