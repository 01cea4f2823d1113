// The problem answers many routes share (400, 401, 403, 413, 415, 500, 503), once under
// `components.responses`.

const authHeaders = {
  'WWW-Authenticate': {
    description: 'Bearer, with `error` and, on 403, the `scope` needed.',
    schema: { type: 'string' },
  },
};

/** Responses many routes share, kept once under `components.responses`. */
export const COMMON_RESPONSES = {
  BadRequest: {
    status: 400,
    description:
      'Bad input (a parameter, the body, or a body that is not valid JSON): `errors[].path` is a JSON pointer to each failing field (`/query/limit`, `/path/id`, `/partners/3/metrics/sales`).',
  },
  Unauthorized: {
    status: 401,
    description:
      'No token, or one that is not valid: expired, from another issuer, for another audience, badly signed (API Gateway’s JWT authorizer, `application/json`); on a `/me` route, no partner user’s access token (the function, problem+json).',
    auth: true,
  },
  Forbidden: {
    status: 403,
    description:
      'The token lacks the route’s scope (API Gateway’s JWT authorizer, `application/json`), or the identity may not use the route (the function, problem+json): a partner user on a vendor route, the vendor on a `/me` route, a revoked partner user, a partner viewer on a route for partner admins.',
    auth: true,
  },
  ContentTooLarge: { status: 413, description: 'The body is over 6 MB.' },
  UnsupportedMediaType: {
    status: 415,
    description: 'A body was sent that is not JSON (send content-type application/json).',
  },
  InternalServerError: { status: 500, description: 'An unexpected error; nothing is revealed. Try again.' },
  ServiceUnavailable: {
    status: 503,
    description: 'A dependency is throttled or down past the retries; try again after `Retry-After` seconds.',
    headers: {
      'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
    },
  },
} as const;

/** `components.responses`: {@link COMMON_RESPONSES} as OpenAPI responses. */
export function commonResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(COMMON_RESPONSES).map(([name, response]) => [
      name,
      'auth' in response
        ? {
            description: response.description,
            headers: authHeaders,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/AuthError' } },
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          }
        : problemResponse(response.description, 'headers' in response ? { headers: response.headers } : {}),
    ]),
  );
}

/** A response whose body is problem+json (RFC 9457). */
export function problemResponse(description: string, extra: Record<string, unknown> = {}) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    ...extra,
  };
}
