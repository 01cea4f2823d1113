import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../observability.ts';

/**
 * The audit trail (contract §7): every write is recorded with who made it (the token's subject and
 * client), kept {@link AUDIT_RETENTION_DAYS} days, read newest first through `GET /audit`.
 *
 * A feature records its write in one line, after the write succeeded:
 * `await recordAudit(deps.audit, principal, { action: 'user.invite', target: `user/${id}` })`.
 * HTTP write routes do not even need that: `functions/http/audit-routes.ts` records each route of
 * the write function from its request and answer.
 */

/** How long audit items are kept (DynamoDB TTL on `expiresAt`); reads never show an older one. */
export const AUDIT_RETENTION_DAYS = 400;

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

/** Longest target accepted in a record and in `GET /audit?target=`. */
export const MAX_AUDIT_TARGET_LENGTH = 300;
/** Largest `detail` stored, as JSON characters; a larger one is replaced by a note saying so. */
export const MAX_AUDIT_DETAIL_CHARS = 4096;

/** Who made a write: the token's `sub` and `client_id` (the S3 principal for a raw upload). */
export interface Principal {
  subject: string;
  /** The OAuth client (app client id); `null` where the caller has none (an S3 principal). */
  clientId: string | null;
}

/** What a write did: the part a feature describes. */
export interface AuditEntry {
  action: AuditAction;
  /** What was written, as `kind/id` (`partner/p-1`, `model/7`, `import/…`) or a collection (`partners`). */
  target: string;
  /** Small, bounded facts about the write (counts, at most a few ids); plain JSON. */
  detail?: Record<string, unknown>;
}

/** One stored audit item, as `GET /audit` shows it. */
export interface AuditRecord extends Principal {
  /** When the write was made (ISO-8601, milliseconds). */
  at: string;
  action: AuditAction;
  target: string;
  detail: Record<string, unknown>;
}

/** An audit record with the id that makes its key unique and its write idempotent. */
export interface StoredAuditRecord extends AuditRecord {
  /** Unique per write, stable across retries of the same write (an API request id, an S3 event's object version). */
  id: string;
}

/** Where a newest-first listing goes on: the month partition and the last sort key read in it. */
export interface AuditPosition {
  month: string;
  sk: string;
}

export interface AuditListQuery {
  action?: AuditAction;
  target?: string;
  limit: number;
  /** Continue after this position; the newest first when absent. */
  after?: AuditPosition;
  /** Nothing older than this (ISO-8601) is listed: the retention's lower bound. */
  oldest: string;
  /** The month to start from when there is no position (the current one). */
  newestMonth: string;
}

/** The store of audit items (`core/adapters/dynamo-audit-store.ts` on the single table). */
export interface AuditStore {
  /** Stores a record; storing the same `id` and `at` again is a no-op (retries are safe). */
  append(record: StoredAuditRecord): Promise<void>;
  /**
   * Up to `limit` records newest first, and where to continue (`null` at the end). A page may hold
   * fewer than `limit` when a bounded number of reads found fewer; its `next` goes on from there.
   */
  list(query: AuditListQuery): Promise<{ items: AuditRecord[]; next: AuditPosition | null }>;
}

/** `yyyy-mm` of an ISO time: the month partition an audit item belongs to. */
export function auditMonth(at: string): string {
  return at.slice(0, 7);
}

/** The month before `month` (`2026-01` → `2025-12`). */
export function previousMonth(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 1 ? `${year - 1}-12` : `${year}-${String(number - 1).padStart(2, '0')}`;
}

/** Epoch seconds when an item written at `at` expires (the table's TTL attribute). */
export function auditExpiresAt(at: string): number {
  return Math.floor(Date.parse(at) / 1000) + AUDIT_RETENTION_DAYS * 24 * 3600;
}

/** The oldest time a listing at `now` may show (ISO). */
export function auditOldest(now: number): string {
  return new Date(now - AUDIT_RETENTION_DAYS * 24 * 3600 * 1000).toISOString();
}

/** What recording one write needs besides the entry. */
export interface RecordAuditContext {
  principal: Principal;
  /** When the write was made (epoch ms); the request's time for an API call. */
  at: number;
  /** Unique per write and stable across retries of it (see {@link StoredAuditRecord.id}). */
  id: string;
}

/**
 * Records one write in the audit trail. The write itself has already happened, so a failure here
 * (the store still failing after its client's retries) does not undo it nor fail the caller: the
 * record is logged at error level, whole (CloudWatch Logs keeps it, so nothing is lost), and the
 * `AuditWriteFailed` metric counts it for an alarm. Returns whether the record was stored.
 */
export async function recordAudit(
  store: AuditStore,
  context: RecordAuditContext,
  entry: AuditEntry,
): Promise<boolean> {
  const at = new Date(context.at).toISOString();
  const record: StoredAuditRecord = {
    id: context.id,
    at,
    action: entry.action,
    target: entry.target.slice(0, MAX_AUDIT_TARGET_LENGTH),
    subject: context.principal.subject,
    clientId: context.principal.clientId,
    detail: boundedDetail(entry.detail ?? {}),
  };
  try {
    await store.append(record);
    return true;
  } catch (error) {
    logger.error('audit record not stored: the write it describes did happen', {
      audit: record,
      error: error instanceof Error ? error.message : String(error),
    });
    metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return false;
  }
}

function boundedDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const chars = JSON.stringify(detail).length;
  if (chars <= MAX_AUDIT_DETAIL_CHARS) return detail;
  return { truncated: `the detail had ${chars} characters; at most ${MAX_AUDIT_DETAIL_CHARS} are kept` };
}
