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
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
