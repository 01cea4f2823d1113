import * as z from 'zod/mini';
import { ValidationError } from '#core/errors.ts';
import { partnerIdProblem } from '#core/partners/partner-rules.ts';
import { zodIssuesToFieldErrors } from '#core/validation.ts';

/** A `limit` query parameter: a plain whole number in `1…max`, one error when it is anything else. */
export function limitParam(max: number) {
  const message = `must be a whole number from 1 to ${max}`;
  return z.optional(
    z
      .string(message)
      .check(
        z.refine(
          (value) => /^[0-9]{1,6}$/.test(value) && Number(value) >= 1 && Number(value) <= max,
          message,
        ),
      ),
  );
}

/** Parses query parameters; failures are a 400 at `/query/<name>`. */
export function parseQuery<T extends z.ZodMiniType>(schema: T, query: Record<string, string>): z.output<T> {
  const parsed = z.safeParse(schema, query);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, ['query']));
  return parsed.data;
}

/** The `{id}` path parameter, checked like a stored partner id (a 400, not a failed key lookup). */
export function partnerIdParam(pathParameters: Record<string, string>): string {
  const id = pathParameters.id ?? '';
  const problem = partnerIdProblem(id);
  if (problem) throw new ValidationError([{ path: '/path/id', message: `partner id ${problem}` }]);
  return id;
}
