import * as z from 'zod/mini';
import { type FieldError, ValidationError } from './errors.ts';

/** JSON pointer (RFC 6901) for a zod issue path: `['metrics', 2, 'weight']` → `/metrics/2/weight`. */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Flattens zod issues (including those nested in unions) to field errors with JSON pointers. */
export function zodIssuesToFieldErrors(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): FieldError[] {
  return issues.map((issue) => ({
    path: toJsonPointer([...prefix, ...issue.path]) || '/',
    message: issue.message,
  }));
}

/**
 * `value` as `schema` parses it, or a {@link ValidationError} with every issue as a field error (its
 * path under `prefix`): the one way request input is checked against a schema.
 */
export function parseOrThrow<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<T> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, prefix));
  return parsed.data;
}
