/** Ports of the partner portal: partner users' memberships and the sign-in directory. */
import type { PartnerUser } from '../api/portal.schema.ts';

/** Memberships of partner users. */
export interface PartnerUserStore {
  /** The membership of a user, strongly consistent (a revocation shows at once); null if none. */
  get(userId: string): Promise<PartnerUser | null>;
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
