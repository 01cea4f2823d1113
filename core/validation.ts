import type * as z from 'zod/mini';
import type { FieldError } from './errors.ts';

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
