import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { PartnerUser } from '#core/api/portal.schema.ts';
import { ForbiddenError, UnauthorizedError } from '#core/errors.ts';
import { PARTNER_USERS_GROUP } from '#core/portal/partner-users.ts';
import type { PartnerUserStore } from '#core/ports.ts';
import type { RouteSpec } from '../routes.ts';

/**
 * The one authorisation module of the HTTP functions. API Gateway's JWT authorizer checks the token
 * and the route's scope; scopes belong to the app client, not the user, so this module checks who
 * the identity is too, denying by default:
 *
 * - vendor routes (every route with a scope) answer a partner user 403, whichever client it signed
 *   in through;
 * - partner routes (`/me…`) answer no identity 401 and anything but a partner user 403, and take the
 *   partner from the user's membership (one strongly consistent read by `sub`), never from the
 *   request: a missing or revoked membership is a 403 at once, whatever the token's expiry.
 */

/** Who is calling, from the authorizer's verified claims alone. */
export type Identity =
  /** No claims: an open route, or the local stack without `LOCAL_AUTH` (no authorizer). */
  | { kind: 'anonymous' }
  /** Verified, but not an access token (an ID token): nothing may be done with it. */
  | { kind: 'unusable'; reason: string }
  | { kind: 'vendor'; subject: string; clientId: string }
  | { kind: 'partner-user'; subject: string; clientId: string };

/** What a route needs of its caller, from the route table. */
export type RouteAccess = 'open' | 'vendor' | 'partner';

export function routeAccess(route: Pick<RouteSpec, 'scope' | 'partner'>): RouteAccess {
  if (route.partner) return 'partner';
  return route.scope ? 'vendor' : 'open';
}

type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The caller's identity from `requestContext.authorizer.jwt.claims` (HTTP API payload 2.0, every value
 * a string; an array claim arrives as `"[a b]"`). A partner user is one in the partner-users group
 * (`cognito:groups`), or any user of the portal's app clients (`PORTAL_CLIENT_IDS`); everyone else
 * with an access token is the vendor.
 */
export function identityOf(
  event: APIGatewayProxyEventV2,
  portalClientIds: readonly string[] = portalClients(),
): Identity {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } }).authorizer?.jwt
    ?.claims;
  if (!claims) return { kind: 'anonymous' };
  if (claims.token_use !== 'access') {
    return { kind: 'unusable', reason: 'Send an access token (token_use access), not an ID token.' };
  }
  const subject = String(claims.sub ?? '');
  const clientId = String(claims.client_id ?? '');
  if (
    groupsOf(claims['cognito:groups']).includes(PARTNER_USERS_GROUP) ||
    portalClientIds.includes(clientId)
  ) {
    return { kind: 'partner-user', subject, clientId };
  }
  return { kind: 'vendor', subject, clientId };
}

function portalClients(): string[] {
  return (process.env.PORTAL_CLIENT_IDS ?? '').split(',').filter(Boolean);
}

/** `cognito:groups` as API Gateway hands it over (`"[a b]"`), as JSON, or as a real array. */
export function groupsOf(value: Claims[string]): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.includes('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Not JSON: API Gateway's own bracketed form below.
    }
  }
  return text
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/**
 * Refuses an identity the route's class does not admit (before any handler runs). Vendor routes
 * admit the vendor, and no identity only where no authorizer runs (the local stack without
 * `LOCAL_AUTH`; on AWS the authorizer turns every tokenless request away before this).
 */
export function checkAccess(access: RouteAccess, identity: Identity): void {
  if (access === 'open') return;
  if (identity.kind === 'unusable') throw new UnauthorizedError(identity.reason);
  if (access === 'vendor') {
    if (identity.kind === 'partner-user') {
      throw new ForbiddenError(
        'This route is for the vendor’s channel team. Partner users read their own data under /me (GET /me/scorecard).',
      );
    }
    return;
  }
  if (identity.kind === 'anonymous') {
    throw new UnauthorizedError(
      'The /me routes need a partner user’s access token: sign in through the partner portal.',
    );
  }
  if (identity.kind === 'vendor') {
    throw new ForbiddenError(
      'The /me routes are for partner users; the vendor reads a partner through GET /partners/{id}.',
    );
  }
}

/**
 * The active membership of a partner user (after {@link checkAccess}): 403 when it has none or it
 * was revoked. The only source of the caller's partner.
 */
export async function memberOf(
  users: Pick<PartnerUserStore, 'get'>,
  identity: Identity,
): Promise<PartnerUser> {
  if (identity.kind !== 'partner-user') {
    throw new ForbiddenError('The /me routes are for partner users.');
  }
  const user = await users.get(identity.subject);
  if (user?.status !== 'active') {
    throw new ForbiddenError(
      'This user has no access to the partner portal (never invited, or revoked). Ask your partner’s admin or the channel team.',
    );
  }
  return user;
}

/** 403 unless the member is its partner's `admin`. */
export function requireAdmin(member: PartnerUser): void {
  if (member.role !== 'admin') {
    throw new ForbiddenError('Only an admin of your partner manages its users; ask one of them.');
  }
}
