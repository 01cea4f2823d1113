/**
 * The actions recorded; a new kind of write adds its action here (`GET /audit?action=` accepts
 * exactly these, and lists them when given another).
 */
export const AUDIT_ACTIONS = [
  /** `POST /partners`: one item per request; target `partner/<id>`, or `partners` for several ids. */
  'partner.upsert',
  /** `DELETE /partners/{id}`. */
  'partner.delete',
  /** `PUT /model`: a new model version activated. */
  'model.update',
  /** `POST /model/versions/{version}/activate`: a stored version activated again. */
  'model.activate',
  /** `POST /rescore`. */
  'run.request',
  /** `POST /imports`: an upload URL handed out. */
  'import.create',
  /** A CSV object written under `imports/` (through an upload URL or straight to the bucket). */
  'import.upload',
  /** `POST /worklist/{itemId}/actions`: an item snoozed, dismissed or done; target `worklist/<itemId>`. */
  'worklist.action',
  /** `PUT /worklist/config`: the worklist settings changed. */
  'worklist.config',
  /** `POST /partners/{id}/users` or `POST /me/users`: a partner user invited; target `user/<userId>`. */
  'user.invite',
  /** `DELETE /partners/{id}/users/{userId}` or `DELETE /me/users/{userId}`: a partner user revoked. */
  'user.revoke',
  /** `PUT /distribution/policy`: the lead distribution policy changed; target `distribution/policy`. */
  'distribution.policy',
  /** `POST /leads`: a lead posted (its first decision in the detail); target `lead/<leadId>`. */
  'lead.create',
  /** `POST /leads/{leadId}/assign`: an unassigned lead offered by hand to a partner. */
  'lead.assign',
  /** `POST /me/offers/{offerId}/accept`: a partner user accepted an offer; target `lead/<leadId>`. */
  'lead.accept',
  /** `POST /me/offers/{offerId}/decline`: a partner user declined an offer. */
  'lead.decline',
  /** The lead workflow: an offer made by the weighted choice, after a decline or a deadline (subject `lead-workflow`). */
  'lead.offer',
  /** The lead workflow: an offer's deadline passed unanswered. */
  'lead.expire',
  /** The lead workflow: nobody eligible, or every attempt used; the lead waits for a manual assignment. */
  'lead.unassign',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
