import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { PartnerRecord, PartnerStore } from '../ports.ts';
import type { CurrentRunPointer, ScoreRecord } from '../runs/run-store.ts';
import { zodIssuesToFieldErrors } from '../validation.ts';

/**
 * The directory group every partner user is in. Its name is in the user's access tokens
 * (`cognito:groups`, on every Cognito feature plan), so the functions tell a partner user from the
 * vendor's channel team without a read, whichever app client it signed in through.
 */
export const PARTNER_USERS_GROUP = 'partner-users';

/** What a partner user may do: `viewer` reads its partner's scorecard, `admin` also manages its users. */
export type PartnerUserRole = 'viewer' | 'admin';

/**
 * A partner user's membership: the one place its partner comes from. Looked up by `userId` (the
 * token's `sub`) on every `/me` request; `revoked` shuts it out at its next request.
 */
export interface PartnerUser {
  /** The sign-in user's `sub`, as in its tokens. */
  userId: string;
  email: string;
  partnerId: string;
  role: PartnerUserRole;
  status: 'active' | 'revoked';
  createdAt: string;
  revokedAt: string | null;
}

/** Memberships of partner users. */
/** What {@link PartnerUserStore.getWithPartner} reads: each null when it has no item. */
export interface MembershipWithPartner {
  user: PartnerUser | null;
  /** The partner (null too when deleted). */
  partner: PartnerRecord | null;
  /** The partner's score record of the run asked for. */
  record: ScoreRecord | null;
}

export interface PartnerUserStore {
  /** The membership of a user, strongly consistent (a revocation shows at once); null if none. */
  get(userId: string): Promise<PartnerUser | null>;
  /**
   * The membership of a user (as {@link PartnerUserStore.get}) and, in the same round trip, a
   * partner's record and its score record of `run` (null: none read): what a scorecard reads, in one
   * request. The partner is the caller's guess (the one the membership named before); its data may
   * serve the caller only when the membership read here names that partner.
   */
  getWithPartner(
    userId: string,
    partnerId: string,
    run: Pick<CurrentRunPointer, 'scoredAt' | 'runId'> | null,
  ): Promise<MembershipWithPartner>;
  /** Every user of one partner (active and revoked), oldest first. */
  list(partnerId: string): Promise<PartnerUser[]>;
  /**
   * Claims `email` for `partnerId` unless some partner holds it: returns the holder's claim (this
   * one, or the existing one) with its user once created.
   */
  claimEmail(email: string, partnerId: string): Promise<{ partnerId: string; userId: string | null }>;
  /** Writes a new membership (and the partner's list entry, and the email claim's user). */
  put(user: PartnerUser): Promise<void>;
  /** Marks a user of `partnerId` revoked; the stored membership after, or null if it is not one of its users. */
  revoke(userId: string, partnerId: string, at: string): Promise<PartnerUser | null>;
}

/**
 * The sign-in directory (the Cognito user pool on AWS, the local issuer with `LOCAL_AUTH=1`):
 * partner users are its users, in its partner-users group.
 */
export interface UserDirectory {
  /**
   * Creates the user of `email` in the partner-users group (or finds the one a previous attempt
   * created) and sends its invitation; `temporaryPassword` is set only on the local stack.
   */
  createUser(email: string, options: { temporaryPassword?: string }): Promise<{ userId: string }>;
  /** Disables the user and signs it out everywhere (its refresh tokens stop working). */
  disableUser(email: string): Promise<void>;
}

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
  const parsed = z.safeParse(inviteSchema, body ?? {});
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues));
  const { email, role } = parsed.data;
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
