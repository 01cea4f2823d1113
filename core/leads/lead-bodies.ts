import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { partnerIdProblem } from '../partners/partner-rules.ts';
import { parseOrThrow } from '../validation.ts';

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

export function parseBody<T extends z.ZodMiniType>(schema: T, body: unknown): z.output<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ path: '/', message: 'send a JSON object' }]);
  }
  return parseOrThrow(schema, body);
}
