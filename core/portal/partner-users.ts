import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import type { PartnerUser } from '../api/portal.schema.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { PartnerStore, PartnerUserStore, UserDirectory } from '../ports.ts';
import { parseOrThrow } from '../validation.ts';

/**
 * The directory group every partner user is in. Its name is in the user's access tokens
 * (`cognito:groups`, on every Cognito feature plan), so the functions tell a partner user from the
 * vendor's channel team without a read, whichever app client it signed in through.
 */
export const PARTNER_USERS_GROUP = 'partner-users';

/** What a partner user may do: `viewer` reads its partner's scorecard, `admin` also manages its users. */
export type PartnerUserRole = PartnerUser['role'];

export interface PartnerUsersDeps {
  users: PartnerUserStore;
  directory: UserDirectory;
  partners: Pick<PartnerStore, 'get'>;
  now: () => number;
  /** Local stack only: make a password for each invited user and return it (`localPassword`). */
  localPasswords?: boolean;
}

/** Longest email address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

export const inviteSchema = z.object({
  email: z
    .string('must be the user’s email address')
    .check(
      z.trim(),
      z.toLowerCase(),
      z.maxLength(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`),
      z.regex(
        /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u,
        'must be an email address such as ana@example.com',
      ),
    ),
  role: z.enum(['viewer', 'admin'], 'must be viewer (reads the scorecard) or admin (also manages users)'),
});

/** A user as the API shows it. */
export function userView(user: PartnerUser) {
  const { userId, email, partnerId, role, status, createdAt, revokedAt } = user;
  return { userId, email, partnerId, role, status, createdAt, revokedAt };
}

/**
 * Invites a user to `partnerId` (contract §3.1): 404 for an unknown partner, 409 when the email
 * belongs to another partner (which one is not said) or already to this one. The membership is
 * written after the directory user exists; a retry after a crash in between finds the claim and
 * the user again and completes.
 */
export async function inviteUser(
  deps: PartnerUsersDeps,
  partnerId: string,
  body: unknown,
): Promise<{ user: PartnerUser; localPassword?: string }> {
  const { email, role } = parseOrThrow(inviteSchema, body ?? {});
  if (!(await deps.partners.get(partnerId))) {
    throw new NotFoundError(`No partner with id ${JSON.stringify(partnerId)}.`);
  }
  const claim = await deps.users.claimEmail(email, partnerId);
  if (claim.partnerId !== partnerId) {
    throw new ConflictError(
      `${email} already belongs to a user of another partner. A user belongs to one partner: ask that partner's admin or the channel team to revoke it first, or use another address.`,
    );
  }
  if (claim.userId !== null) {
    const existing = await deps.users.get(claim.userId);
    if (existing) {
      throw new ConflictError(
        existing.status === 'active'
          ? `${email} is already a user of this partner (userId ${existing.userId}).`
          : `${email} was a user of this partner and was revoked; a revoked address cannot be invited again. Use another address.`,
      );
    }
  }
  const localPassword = deps.localPasswords ? randomBytes(12).toString('base64url') : undefined;
  const { userId } = await deps.directory.createUser(
    email,
    localPassword ? { temporaryPassword: localPassword } : {},
  );
  const user: PartnerUser = {
    userId,
    email,
    partnerId,
    role,
    status: 'active',
    createdAt: new Date(deps.now()).toISOString(),
    revokedAt: null,
  };
  await deps.users.put(user);
  return localPassword ? { user, localPassword } : { user };
}

/**
 * Revokes a user of `partnerId`: its membership is marked revoked first (its next request is a
 * 403, whatever its token's expiry), then the directory disables it and ends its sessions.
 * 404 when `userId` is not a user of that partner; revoking a revoked user again is a no-op.
 */
export async function revokeUser(deps: PartnerUsersDeps, partnerId: string, userId: string): Promise<void> {
  const user = await deps.users.revoke(userId, partnerId, new Date(deps.now()).toISOString());
  if (!user) throw new NotFoundError(`No user ${JSON.stringify(userId)} of this partner.`);
  await deps.directory.disableUser(user.email);
}

/** Longest user id accepted in a path (Cognito's `sub` is a 36-character UUID). */
const MAX_USER_ID_LENGTH = 128;

/** The `{userId}` path parameter: a 404 for anything that cannot be a user id. */
export function userIdParam(pathParameters: Record<string, string>): string {
  const userId = pathParameters.userId ?? '';
  if (userId === '' || userId.length > MAX_USER_ID_LENGTH || /\p{Cc}/u.test(userId)) {
    throw new NotFoundError('No such user of this partner.');
  }
  return userId;
}
