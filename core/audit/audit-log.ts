import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../observability.ts';
import type { AuditStore, Principal, StoredAuditRecord } from '../ports.ts';
import type { AuditAction } from './audit-actions.ts';

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

/** Longest target accepted in a record and in `GET /audit?target=`. */
export const MAX_AUDIT_TARGET_LENGTH = 300;
/** Largest `detail` stored, as JSON characters; a larger one is replaced by a note saying so. */
export const MAX_AUDIT_DETAIL_CHARS = 4096;

/** What a write did: the part a feature describes. */
export interface AuditEntry {
  action: AuditAction;
  /** What was written, as `kind/id` (`partner/p-1`, `model/7`, `import/…`) or a collection (`partners`). */
  target: string;
  /** Small, bounded facts about the write (counts, at most a few ids); plain JSON. */
  detail?: Record<string, unknown>;
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
