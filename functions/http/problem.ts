import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isDependencyUnavailable } from '#core/adapters/aws-errors.ts';
import type { Problem } from '#core/api/problem.schema.ts';
import type { FieldError } from '#core/errors.ts';
import { logger } from '#core/observability.ts';

/**
 * Most field errors one answer lists: a 6 MB body can hold hundreds of thousands of failing
 * fields, and listing them all would make an answer larger than the request (past Lambda's 6 MB).
 */
export const MAX_PROBLEM_ERRORS = 100;

/** The detail of every 500: it reveals nothing and tells the caller what to do (the local gateway uses it too). */
export const INTERNAL_ERROR_DETAIL =
  'The request could not be completed. Try again; if it keeps failing, report the time of the request.';

/** The detail of every 503: a dependency stayed throttled or unavailable through the SDK's retries. */
export const UNAVAILABLE_DETAIL =
  'The service is busy or a dependency is unavailable. Retry the same request after the Retry-After seconds.';

/** Seconds a 503 asks the caller to wait (`Retry-After`); the SDK already backed off before giving up. */
export const RETRY_AFTER_SECONDS = 2;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const STATUS_BY_ERROR_NAME: Record<string, number> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
};

export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      ...(problem.status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
    },
    body: JSON.stringify(problem),
  };
}

/**
 * A problem answer. Of `errors`, the first {@link MAX_PROBLEM_ERRORS} are listed; `errorsOmitted` and
 * the detail say how many more there were.
 */
export function problem(status: number, detail: string, errors?: FieldError[]): Problem {
  const omitted = errors ? Math.max(0, errors.length - MAX_PROBLEM_ERRORS) : 0;
  return {
    type: status === 400 && errors ? 'urn:partner-scoring:problem:validation' : 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail:
      omitted === 0
        ? detail
        : `${detail} Only the first ${MAX_PROBLEM_ERRORS} of ${errors?.length} errors are listed (${omitted} more): fix these and send again to see the rest.`,
    ...(errors ? { errors: omitted === 0 ? errors : errors.slice(0, MAX_PROBLEM_ERRORS) } : {}),
    ...(omitted === 0 ? {} : { errorsOmitted: omitted }),
  };
}

/**
 * Maps any thrown error to a problem: domain errors by name, exposed middy/http errors by their
 * status, an AWS dependency throttled or down past the SDK's retries to a 503 (with `Retry-After`),
 * everything else to a 500. Neither 5xx body carries the error's text; the error is logged instead.
 */
export function problemFromError(error: unknown): Problem {
  if (error instanceof Error) {
    const httpError = error as Error & {
      statusCode?: number;
      expose?: boolean;
      cause?: { package?: string };
    };
    // middy's JSON parser reports malformed JSON as a 415; it is a bad request, not a bad media type.
    if (
      httpError.cause?.package === '@middy/http-json-body-parser' &&
      httpError.message.startsWith('Invalid or malformed')
    ) {
      return problem(
        400,
        'The body is not valid JSON. Send a JSON document with content-type application/json.',
      );
    }
    if (httpError.cause?.package === '@middy/http-json-body-parser' && httpError.statusCode === 415) {
      return problem(415, 'The content type must be application/json: send the body as JSON.');
    }
    const status = STATUS_BY_ERROR_NAME[error.name];
    if (status !== undefined) {
      const errors = (error as { errors?: FieldError[] }).errors;
      return problem(status, error.message, errors);
    }
    if (httpError.expose && httpError.statusCode && httpError.statusCode < 500) {
      return problem(httpError.statusCode, httpError.message);
    }
    if (isDependencyUnavailable(error)) {
      logger.warn('dependency throttled or unavailable past the retries', { error });
      return problem(503, UNAVAILABLE_DETAIL);
    }
  }
  logger.error('unhandled error', { error: error as Error });
  return problem(500, INTERNAL_ERROR_DETAIL);
}
