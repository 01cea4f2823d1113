import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { partnerIdProblem } from '../partners/partner-rules.ts';
import { zodIssuesToFieldErrors } from '../validation.ts';

const noControl = (name: string) =>
  z.refine<string>((value) => !/\p{Cc}/u.test(value), `${name} must not hold control characters`);

/** `POST /leads`: the lead as the vendor's CRM knows it. */
export const leadBodySchema = z
  .strictObject({
    externalId: z
      .string('externalId is required: the lead’s id in your CRM')
      .check(z.minLength(1, 'externalId must not be empty'), z.maxLength(128), noControl('externalId')),
    region: z.optional(z.nullable(z.string().check(z.maxLength(256), noControl('region')))),
    type: z.optional(z.nullable(z.string().check(z.maxLength(256), noControl('type')))),
    value: z.optional(
      z.nullable(
        z.number('value must be a number').check(z.refine((v) => Number.isFinite(v), 'value must be finite')),
      ),
    ),
    minTier: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
  })
  .check(z.describe('A lead to distribute.'));

export type LeadBody = z.output<typeof leadBodySchema>;

/** `POST /leads/{leadId}/assign`. */
export const assignBodySchema = z.strictObject({
  partnerId: z
    .string('partnerId is required')
    .check(z.refine((id) => partnerIdProblem(id) === null, 'partnerId must be a partner id')),
});

/** Lead ids are `lead-` and 32 hex digits; offer ids `<leadId>.<attempt>`. */
export const LEAD_ID = /^lead-[0-9a-f]{32}$/;
export const OFFER_ID = /^lead-[0-9a-f]{32}\.[0-9]{1,2}$/;

/** The lead id of an external id: the same external id always names the same lead. */
export function leadIdOf(externalId: string): string {
  return `lead-${createHash('sha256').update(externalId).digest('hex').slice(0, 32)}`;
}

export function offerIdOf(leadId: string, attempt: number): string {
  return `${leadId}.${attempt}`;
}

/** The lead and attempt of an offer id, or a 400 at `/path/<name>`. */
export function parseOfferId(offerId: string | undefined): { leadId: string; attempt: number } {
  if (!offerId || !OFFER_ID.test(offerId)) {
    throw new ValidationError([
      { path: '/path/offerId', message: 'is not an offer id (GET /me/offers lists yours)' },
    ]);
  }
  const [leadId, attempt] = offerId.split('.') as [string, string];
  return { leadId, attempt: Number(attempt) };
}

export function parseLeadId(leadId: string | undefined): string {
  if (!leadId || !LEAD_ID.test(leadId)) {
    throw new ValidationError([
      { path: '/path/leadId', message: 'is not a lead id (POST /leads answers one)' },
    ]);
  }
  return leadId;
}

export function parseBody<T extends z.ZodMiniType>(schema: T, body: unknown): z.output<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'send a JSON object' }]);
  }
  const parsed = z.safeParse(schema, body);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues));
  return parsed.data;
}
