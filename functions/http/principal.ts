import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '#core/ports.ts';

/** Who calls when a request reached the function without an authorizer's claims (a direct invocation). */
export const ANONYMOUS: Principal = { subject: 'anonymous', clientId: null };

/**
 * The caller of an HTTP API request: the JWT authorizer's verified claims, which API Gateway (payload
 * format 2.0) puts at `requestContext.authorizer.jwt.claims`: `sub` and the Cognito access token's
 * `client_id` (an ID token has `aud` instead). The local gateway fills the same place: the local
 * issuer's claims with `LOCAL_AUTH=1`, `{sub: "local", client_id: "local"}` without it.
 */
export function principalOf(event: APIGatewayProxyEventV2): Principal {
  const context = event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
  const claims = context.authorizer?.jwt?.claims;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') return ANONYMOUS;
  const client = claims.client_id ?? claims.aud;
  return { subject: claims.sub, clientId: typeof client === 'string' && client !== '' ? client : null };
}
