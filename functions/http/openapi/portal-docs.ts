import * as z from 'zod/mini';
import {
  invitedUserSchema,
  meSchema,
  partnerUserListSchema,
  scorecardHistorySchema,
  scorecardSchema,
} from '#core/api/response.schema.ts';
import { inviteSchema } from '#core/portal/partner-users.ts';
import { scorecardHistoryQuery } from '../routes/portal.ts';
import { partnerId, type RouteDocs } from './route-doc.ts';

/** The partner portal: the vendor's user management and the partner users' own `/me` routes. */
export const PORTAL_DOCS = {
  'POST /partners/{id}/users': {
    tag: 'Portal',
    summary: 'Invite a user of a partner',
    description:
      'Creates the sign-in user (in the partner-users group, invited by email on AWS) and its membership of the partner. An email belongs to one partner. On the local stack the answer carries `localPassword` for the local issuer.',
    pathParameters: { id: partnerId },
    body: {
      name: 'PartnerUserInvitation',
      schema: inviteSchema,
      required: true,
      description: '`{email, role}`.',
    },
    responses: { 201: { description: 'The invited user.', schema: invitedUserSchema } },
    problems: {
      404: 'No partner with this id.',
      409: 'The email belongs to a user of another partner, or already to this one (or no user pool is set up).',
    },
  },
  'GET /partners/{id}/users': {
    tag: 'Portal',
    summary: 'A partner’s users',
    description: 'Active and revoked users of the partner, oldest first.',
    pathParameters: { id: partnerId },
    responses: { 200: { description: 'The users.', schema: partnerUserListSchema } },
    problems: { 404: 'No partner with this id.' },
  },
  'DELETE /partners/{id}/users/{userId}': {
    tag: 'Portal',
    summary: 'Revoke a user of a partner',
    description:
      'The membership is revoked first (the user’s next request is a 403, whatever its token’s expiry), then the sign-in user is disabled and signed out everywhere. Revoking a revoked user again is a 204.',
    pathParameters: { id: partnerId, userId: { description: 'The user’s id (`sub`).', schema: z.string() } },
    responses: { 204: { description: 'Revoked.' } },
    problems: { 404: 'No such user of this partner.', 409: 'No user pool is set up.' },
  },
  'GET /me': {
    tag: 'Portal',
    summary: 'The signed-in partner user',
    description: 'Who the token belongs to and its partner, from the user’s membership.',
    responses: { 200: { description: 'The user.', schema: meSchema } },
  },
  'GET /me/scorecard': {
    tag: 'Portal',
    summary: 'The partner’s own scorecard',
    description:
      'Tier and score, points needed for the next tier, the margin before demotion (the hysteresis band), per metric its own value with points out of the most it could give (rounded to 0.1), where the most points are left, a percentile band (null under 20 partners), the data’s date and whether the score is provisional. Never another partner’s data, the exact rank, the number of partners, normalised values or population statistics.',
    responses: { 200: { description: 'The scorecard.', schema: scorecardSchema } },
    problems: { 404: 'The partner has no data in the service yet.' },
  },
  'GET /me/scorecard/history': {
    tag: 'Portal',
    summary: 'The partner’s own score and tier per run',
    description:
      'Newest first; `limit` 1–100 (default 30), `nextCursor` for the next page. A cursor holds a position only: the partner is always the caller’s.',
    query: scorecardHistoryQuery,
    responses: { 200: { description: 'A page of the history.', schema: scorecardHistorySchema } },
  },
  'GET /me/users': {
    tag: 'Portal',
    summary: 'The users of the caller’s partner',
    description: 'For a partner admin; a viewer gets a 403.',
    responses: { 200: { description: 'The users.', schema: partnerUserListSchema } },
  },
  'POST /me/users': {
    tag: 'Portal',
    summary: 'Invite a user of the caller’s partner',
    description:
      'For a partner admin (a viewer gets a 403), as `POST /partners/{id}/users` for its own partner.',
    body: {
      name: 'PartnerUserInvitation',
      schema: inviteSchema,
      required: true,
      description: '`{email, role}`.',
    },
    responses: { 201: { description: 'The invited user.', schema: invitedUserSchema } },
    problems: { 409: 'The email belongs to a user of another partner, or already to this one.' },
  },
  'DELETE /me/users/{userId}': {
    tag: 'Portal',
    summary: 'Revoke a user of the caller’s partner',
    description: 'For a partner admin (a viewer gets a 403); another partner’s user is a 404; oneself a 409.',
    pathParameters: { userId: { description: 'The user’s id (`sub`).', schema: z.string() } },
    responses: { 204: { description: 'Revoked.' } },
    problems: { 404: 'No such user of your partner.', 409: 'You cannot revoke yourself.' },
  },
} satisfies RouteDocs;
