import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import type { AuditRecord, AuditStore, CursorSigner } from '../ports.ts';
import { openFields, signFields } from '../ranking/cursor.ts';
import type { AuditAction } from './audit-actions.ts';
import { auditMonth, auditOldest } from './audit-log.ts';

export interface ReadAuditDeps {
  audit: Pick<AuditStore, 'list'>;
  signer: CursorSigner;
  now: () => number;
}

export interface AuditQuery {
  action?: AuditAction;
  target?: string;
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  items: AuditRecord[];
  nextCursor: string | null;
}

// The signed cursor: ['audit', month, sort key to continue below, action, target].
const cursorSchema = z.tuple([
  z.literal('audit'),
  z.string().check(z.regex(/^\d{4}-\d{2}$/)),
  z.string(),
  z.nullable(z.string()),
  z.nullable(z.string()),
]);

/**
 * `GET /audit`: one page of the audit trail, newest first, optionally only one action and/or one
 * target. The cursor is signed and bound to the query's filters: an altered cursor, or one of a
 * query with other filters, is a 400 at `/query/cursor`. A page may hold fewer than `limit` items
 * (each request reads a bounded number of partitions); `nextCursor` is `null` only at the end.
 */
export async function readAudit(deps: ReadAuditDeps, query: AuditQuery): Promise<AuditPage> {
  const action = query.action ?? null;
  const target = query.target ?? null;
  const cursor =
    query.cursor === undefined ? null : await openFields(deps.signer, query.cursor, cursorSchema);
  if (cursor && (cursor[3] !== action || cursor[4] !== target)) {
    throw new ValidationError([
      {
        path: '/query/cursor',
        message: 'belongs to a query with other filters (action, target): start again without a cursor',
      },
    ]);
  }
  const now = deps.now();
  const { items, next } = await deps.audit.list({
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.target === undefined ? {} : { target: query.target }),
    limit: query.limit,
    oldest: auditOldest(now),
    newestMonth: auditMonth(new Date(now).toISOString()),
    ...(cursor ? { after: { month: cursor[1], sk: cursor[2] } } : {}),
  });
  return {
    items,
    nextCursor: next ? await signFields(deps.signer, ['audit', next.month, next.sk, action, target]) : null,
  };
}
