import * as z from 'zod/mini';
import type { WorklistItemView } from '../api/worklist.schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { WorklistItemRecord, WorklistStore } from '../ports.ts';
import { parseOrThrow } from '../validation.ts';

/** `POST /worklist/{itemId}/actions` body. */
export const actionBodySchema = z.strictObject({
  action: z.enum(['snooze', 'dismiss', 'done'], 'must be one of snooze, dismiss, done'),
  until: z.optional(
    z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date and time, e.g. 2026-12-31T00:00:00Z' }),
  ),
  note: z.optional(z.string('must be a string').check(z.maxLength(1000, 'must be at most 1,000 characters'))),
});

export interface ActOnItemDeps {
  worklist: Pick<WorklistStore, 'getItem' | 'act'>;
  now: () => number;
}

/** Item ids are 22 base64url characters (`itemIdOf`); anything else names no item. */
const ITEM_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * `POST /worklist/{itemId}/actions`: `snooze` hides the item until `until` (or until its severity
 * rises), `dismiss` until it resolves, `done` resolves it now. 404 for an unknown item, 409 for a
 * resolved one. Answers the item as its record holds it, with the new state.
 */
export async function actOnItem(
  deps: ActOnItemDeps,
  itemId: string,
  body: unknown,
): Promise<WorklistItemView> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([
      { path: '/', message: 'send {"action": "snooze" | "dismiss" | "done"} as a JSON object' },
    ]);
  }
  const { action, until, note } = parseOrThrow(actionBodySchema, body);
  const actedAt = new Date(deps.now()).toISOString();
  if (until !== undefined && action !== 'snooze') {
    throw new ValidationError([{ path: '/until', message: 'only a snooze takes until' }]);
  }
  if (until !== undefined && Date.parse(until) <= deps.now()) {
    throw new ValidationError([{ path: '/until', message: 'must be in the future' }]);
  }
  const record = ITEM_ID.test(itemId) ? await deps.worklist.getItem(itemId) : null;
  if (!record)
    throw new NotFoundError(
      `No worklist item ${JSON.stringify(itemId.slice(0, 64))}: take ids from GET /worklist.`,
    );
  const resolvedConflict = () =>
    new ConflictError(
      `Worklist item ${itemId} is resolved; a recurrence opens a new item (see GET /worklist).`,
    );
  if (record.status === 'resolved') throw resolvedConflict();
  const until_ = until === undefined ? null : new Date(Date.parse(until)).toISOString();
  const next: WorklistItemRecord =
    action === 'done'
      ? {
          ...record,
          status: 'resolved',
          resolvedAt: actedAt,
          state: 'done',
          snoozedUntil: null,
          snoozeSeverity: null,
        }
      : action === 'dismiss'
        ? { ...record, state: 'dismissed', snoozedUntil: null, snoozeSeverity: null }
        : { ...record, state: 'snoozed', snoozedUntil: until_, snoozeSeverity: record.severity };
  const applied = await deps.worklist.act(next, {
    itemId,
    action,
    actedAt,
    until: until_,
    note: note ?? null,
    severity: record.severity,
  });
  if (!applied) throw resolvedConflict();
  const { status: _status, resolvedAt: _resolvedAt, snoozeSeverity: _snoozeSeverity, ...view } = next;
  return view;
}
