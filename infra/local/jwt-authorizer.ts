import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

/** What the authorizer decided: the request goes on, or API Gateway's own 401 / 403 answer. */
export type AuthorizerDecision =
  | { allowed: true; claims: JWTPayload }
  | { allowed: false; status: 401 | 403; headers: Record<string, string>; body: { message: string } };

/** Decides on a request's `Authorization` header for a route that needs one of `scopes`. */
export type JwtAuthorizer = (
  authorization: string | undefined,
  scopes: readonly string[],
) => Promise<AuthorizerDecision>;

export interface JwtAuthorizerOptions {
  issuer: string;
  /** Accepted `aud` values, or `client_id` values for tokens without `aud` (Cognito access tokens). */
  audience: readonly string[];
  keys: JWTVerifyGetKey;
}

const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/**
 * The checks of an API Gateway HTTP API JWT authorizer, for the local gateway: the token from
 * `Authorization` (with or without `Bearer `), an RSA signature by a key of the issuer's JWKS (`kid`),
 * `iss`, `aud` (or `client_id` when there is no `aud`) among the audiences, `exp`, `nbf` and `iat`,
 * then at least one of the route's scopes in `scope` (space-separated) or `scp`. Any failure of the
 * token is a 401; a valid token without the scope is a 403. An ID token is valid (it has `aud`), but
 * has no scope: a 403 on every scoped route, as on AWS.
 */
export function createJwtAuthorizer(options: JwtAuthorizerOptions) {
  return async (
    authorization: string | undefined,
    scopes: readonly string[],
  ): Promise<AuthorizerDecision> => {
    const token = (authorization ?? '').replace(/^Bearer\s+/i, '').trim();
    if (token === '') return unauthorized('the request has no token');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        algorithms: RSA_ALGORITHMS,
      }));
    } catch (error) {
      return unauthorized(reasonOf(error));
    }
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000) {
      return unauthorized('the token was issued in the future');
    }
    const audiences = claims.aud === undefined ? [claims.client_id] : [claims.aud].flat();
    if (!audiences.some((value) => typeof value === 'string' && options.audience.includes(value))) {
      return unauthorized('the token does not have a valid audience');
    }
    if (scopes.length > 0) {
      const granted = new Set(
        [claims.scope, claims.scp]
          .flat()
          .flatMap((value) => (typeof value === 'string' ? value.split(' ') : [])),
      );
      if (!scopes.some((scope) => granted.has(scope))) {
        return {
          allowed: false,
          status: 403,
          headers: {
            'www-authenticate': `Bearer scope="${scopes.join(' ')}" error="insufficient_scope" error_description="expected scopes: [${scopes.join(' ')}]"`,
          },
          body: { message: 'Forbidden' },
        };
      }
    }
    return { allowed: true, claims };
  };
}

function unauthorized(description: string): AuthorizerDecision {
  return {
    allowed: false,
    status: 401,
    headers: {
      'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${description}"`,
    },
    body: { message: 'Unauthorized' },
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') {
    return 'the token does not have a valid issuer';
  }
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} is not valid`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a key of the issuer';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  return 'the token is not a valid JWT';
}
