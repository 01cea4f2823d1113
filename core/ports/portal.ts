/** Ports of the partner portal: partner users' memberships and the sign-in directory. */
import type { PartnerUser } from '../api/portal.schema.ts';
import type { PartnerRecord } from './partners.ts';
import type { CurrentRunPointer, ScoreRecord } from './runs.ts';

/** What {@link PartnerUserStore.getWithPartner} reads: each null when it has no item. */
export interface MembershipWithPartner {
  user: PartnerUser | null;
  /** The partner (null too when deleted). */
  partner: PartnerRecord | null;
  /** The partner's score record of the run asked for. */
  record: ScoreRecord | null;
}

/** Memberships of partner users. */
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
