import type * as z from 'zod/mini';
import type { fieldErrorSchema } from './api/problem.schema.ts';

/** One problem in a request, a model or a row, located by a JSON pointer (`/metrics/2/weight`). */
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** Input that breaks a schema or a rule; maps to 400 with `errors`. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly errors: FieldError[],
    message = 'The request is not valid: see errors for each failing path.',
  ) {
    super(message);
  }
}

/** The addressed resource does not exist; maps to 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request has no identity this route can act for (no token, or none the route accepts); maps to 401. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** The caller's identity may not use this route or this resource; maps to 403. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** The request conflicts with the current state (for example a run already holding the lease); maps to 409. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** The body or file is larger than the limit; maps to 413. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** The request's content type is not one we accept; maps to 415. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** Domain errors that callers may show to a user; anything else is an internal error. */
export type DomainError =
  | ValidationError
  | UnauthorizedError
  | ForbiddenError
  | NotFoundError
  | ConflictError
  | PayloadTooLargeError
  | UnsupportedMediaTypeError;
