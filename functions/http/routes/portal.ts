import * as z from 'zod/mini';
import { ConflictError, NotFoundError } from '#core/errors.ts';
import {
  inviteUser,
  type PartnerUser,
  type PartnerUserStore,
  type PartnerUsersDeps,
  revokeUser,
  userIdParam,
  userView,
} from '#core/portal/partner-users.ts';
import {
  MAX_HISTORY_LIMIT,
  readScorecard,
  readScorecardHistory,
  type ScorecardDeps,
  type ScorecardHistoryDeps,
} from '#core/portal/scorecard.ts';
import type { PartnerStore } from '#core/ports.ts';
import { memberOf, requireAdmin } from '../access.ts';
import type { HttpRequest, HttpResult, RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery, partnerIdParam } from './query-params.ts';

export const scorecardHistoryQuery = z.object({ limit: limitParam(MAX_HISTORY_LIMIT), cursor: cursorParam });

/** A `/me` handler: runs with the caller's active membership, the only source of its partner. */
export function asMember(
  users: Pick<PartnerUserStore, 'get'>,
  handler: (request: HttpRequest, member: PartnerUser) => Promise<HttpResult>,
): RouteHandler {
  return async (request) => handler(request, await memberOf(users, request.identity));
}

export interface PortalReadDeps extends ScorecardDeps, ScorecardHistoryDeps {
  users: Pick<PartnerUserStore, 'get' | 'list'>;
  partners: Pick<PartnerStore, 'get'>;
  runs: ScorecardDeps['runs'] & ScorecardHistoryDeps['runs'];
}

/** The partner portal's reads (query-api): the vendor's user list, and the `/me` reads. */
export function portalReadRoutes(
  deps: PortalReadDeps,
): Record<
  | 'GET /partners/{id}/users'
  | 'GET /me'
  | 'GET /me/scorecard'
  | 'GET /me/scorecard/history'
  | 'GET /me/users',
  RouteHandler
> {
  return {
    'GET /partners/{id}/users': async ({ pathParameters }) => {
      const partnerId = partnerIdParam(pathParameters);
      const users = await deps.users.list(partnerId);
      if (users.length === 0 && !(await deps.partners.get(partnerId))) {
        throw new NotFoundError(`No partner with id ${JSON.stringify(partnerId)}.`);
      }
      return { status: 200, body: { items: users.map(userView) } };
    },
    'GET /me': asMember(deps.users, async (_request, member) => {
      const partner = await deps.partners.get(member.partnerId);
      return {
        status: 200,
        body: {
          userId: member.userId,
          email: member.email,
          partnerId: member.partnerId,
          partnerName: partner?.name ?? member.partnerId,
          role: member.role,
        },
      };
    }),
    'GET /me/scorecard': asMember(deps.users, async (_request, member) => ({
      status: 200,
      body: await readScorecard(deps, member.partnerId),
      headers: { 'cache-control': 'private, no-store' },
    })),
    'GET /me/scorecard/history': asMember(deps.users, async ({ query }, member) => {
      const { limit, cursor } = parseQuery(scorecardHistoryQuery, query);
      const body = await readScorecardHistory(
        deps,
        member.partnerId,
        limit === undefined ? 30 : Number(limit),
        cursor,
      );
      return { status: 200, body, headers: { 'cache-control': 'private, no-store' } };
    }),
    'GET /me/users': asMember(deps.users, async (_request, member) => {
      requireAdmin(member);
      const users = await deps.users.list(member.partnerId);
      return { status: 200, body: { items: users.map(userView) } };
    }),
  };
}

/** The partner portal's writes (ingest-api, the one function allowed to create and disable users). */
export function portalWriteRoutes(
  deps: PartnerUsersDeps,
): Record<
  | 'POST /partners/{id}/users'
  | 'DELETE /partners/{id}/users/{userId}'
  | 'POST /me/users'
  | 'DELETE /me/users/{userId}',
  RouteHandler
> {
  const invite = async (partnerId: string, body: unknown): Promise<HttpResult> => {
    const { user, localPassword } = await inviteUser(deps, partnerId, body);
    return { status: 201, body: { ...userView(user), ...(localPassword ? { localPassword } : {}) } };
  };
  return {
    'POST /partners/{id}/users': async ({ pathParameters, body }) =>
      invite(partnerIdParam(pathParameters), body),
    'DELETE /partners/{id}/users/{userId}': async ({ pathParameters }) => {
      await revokeUser(deps, partnerIdParam(pathParameters), userIdParam(pathParameters));
      return { status: 204 };
    },
    'POST /me/users': asMember(deps.users, async ({ body }, member) => {
      requireAdmin(member);
      return invite(member.partnerId, body);
    }),
    'DELETE /me/users/{userId}': asMember(deps.users, async ({ pathParameters }, member) => {
      requireAdmin(member);
      const userId = userIdParam(pathParameters);
      if (userId === member.userId) {
        throw new ConflictError(
          'You cannot revoke yourself; another admin of your partner or the channel team can.',
        );
      }
      await revokeUser(deps, member.partnerId, userId);
      return { status: 204 };
    }),
  };
}
