/** Error bodies, the health answer and the OpenAPI document's outline. */
import * as z from 'zod/mini';

/** One failing field of a request, a model or a row: a JSON pointer and what is expected there. */
export const fieldErrorSchema = z.object({
  path: z.string().check(z.describe('JSON pointer into the request (`/partners/3/metrics/sales`)')),
  message: z.string(),
});

/** RFC 9457 problem details: the body of every error the functions answer. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  errors: z.optional(z.array(fieldErrorSchema).check(z.describe('at most the first 100 errors'))),
  errorsOmitted: z.optional(
    z.number().check(z.describe('how many errors past the first 100 are not listed (absent when none)')),
  ),
});
export type Problem = z.infer<typeof problemSchema>;

/** What API Gateway's JWT authorizer answers on 401 and 403 (it cannot send problem+json). */
export const authErrorSchema = z.object({ message: z.string() });

export const healthSchema = z.object({ status: z.literal('ok') });

/** The OpenAPI document itself (`GET /openapi.json`): only its outline is checked. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
