import * as z from 'zod/mini';
import { ValidationError } from '#core/errors.ts';
import { partnerIdProblem } from '#core/partners/partner-rules.ts';
import { parseOrThrow } from '#core/validation.ts';

/** A `limit` query parameter: a plain whole number in `1…max`, one error when it is anything else. */
export function limitParam(max: number) {
  const message = `must be a whole number from 1 to ${max}`;
  return z.optional(
    z.string(message).check(
      z.refine((value) => /^[0-9]{1,6}$/.test(value) && Number(value) >= 1 && Number(value) <= max, message),
      z.describe(`A whole number from 1 to ${max}.`),
    ),
  );
}

/** Parses query parameters; failures are a 400 at `/query/<name>`. */
export function parseQuery<T extends z.ZodMiniType>(schema: T, query: Record<string, string>): z.output<T> {
  return parseOrThrow(schema, query, ['query']);
}

/** The `{id}` path parameter, checked like a stored partner id (a 400, not a failed key lookup). */
export function partnerIdParam(pathParameters: Record<string, string>): string {
  const id = pathParameters.id ?? '';
  const problem = partnerIdProblem(id);
  if (problem) throw new ValidationError([{ path: '/path/id', message: `partner id ${problem}` }]);
  return id;
}

/** Longest cursor accepted; the ones this API returns are far shorter. */
const MAX_CURSOR_LENGTH = 4096;
const BAD_CURSOR =
  'is not a cursor this API returned: pass the nextCursor of the previous page, or leave cursor out';

/** A `cursor` query parameter: a `nextCursor` this API returned (checked and opened in core). */
export const cursorParam = z.optional(
  z
    .string(BAD_CURSOR)
    .check(
      z.minLength(1, 'must not be empty: pass the nextCursor of the previous page, or leave cursor out'),
      z.maxLength(MAX_CURSOR_LENGTH, BAD_CURSOR),
    ),
);
