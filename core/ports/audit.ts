/** Ports of the audit trail. */
import type { AuditAction } from '../audit/audit-actions.ts';

/** Who made a write: the token's `sub` and `client_id` (the S3 principal for a raw upload). */
export interface Principal {
  subject: string;
  /** The OAuth client (app client id); `null` where the caller has none (an S3 principal). */
  clientId: string | null;
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
