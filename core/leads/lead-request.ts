import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';

/** Lead ids are `lead-` and 32 hex digits; offer ids `<leadId>.<attempt>`. */
export const LEAD_ID = /^lead-[0-9a-f]{32}$/;
export const OFFER_ID = /^lead-[0-9a-f]{32}\.[0-9]{1,2}$/;

/** The lead id of an external id: the same external id always names the same lead. */
export function leadIdOf(externalId: string): string {
  return `lead-${createHash('sha256').update(externalId).digest('hex').slice(0, 32)}`;
}

export function offerIdOf(leadId: string, attempt: number): string {
  return `${leadId}.${attempt}`;
}

/** The lead and attempt of an offer id, or a 400 at `/path/<name>`. */
export function parseOfferId(offerId: string | undefined): { leadId: string; attempt: number } {
  if (!offerId || !OFFER_ID.test(offerId)) {
    throw new ValidationError([
      { path: '/path/offerId', message: 'is not an offer id (GET /me/offers lists yours)' },
    ]);
  }
  const [leadId, attempt] = offerId.split('.') as [string, string];
  return { leadId, attempt: Number(attempt) };
}

export function parseLeadId(leadId: string | undefined): string {
  if (!leadId || !LEAD_ID.test(leadId)) {
    throw new ValidationError([
      { path: '/path/leadId', message: 'is not a lead id (POST /leads answers one)' },
    ]);
  }
  return leadId;
}
