import * as z from 'zod/mini';
import type { WorklistItemView, WorklistResponse } from '../api/worklist.schema.ts';
import { ValidationError } from '../errors.ts';
import type { CursorSigner, WorklistStore } from '../ports.ts';
import { openFields, signFields } from '../ranking/cursor.ts';
import {
  applyAction,
  type ItemAction,
  type OpenItem,
  type Reason,
  type Severity,
  wakeIfDue,
} from './worklist-items.ts';
import { ACTION_MARGIN_MS, WORKLIST_PAGE_SIZE } from './worklist-run.ts';
import { worklistLists } from './worklist-store.ts';

export interface ReadWorklistDeps {
  worklist: Pick<WorklistStore, 'getHead' | 'getPages' | 'actionsSince'>;
  signer: CursorSigner;
  now: () => number;
}

export interface WorklistQuery {
  reason?: Reason;
  severity?: Severity;
  includeSnoozed: boolean;
  limit: number;
  cursor?: string;
}

// The signed cursor: [runId, list, page, offset, items left in the range, filters].
const index = z.int().check(z.gte(0));
const cursorSchema = z.tuple([z.string(), z.string(), index, index, index, z.string()]);

/** An item view with the users' later actions applied; `null` once it is done. */
function withActions(
  view: WorklistItemView,
  actions: readonly ItemAction[],
  nowMs: number,
): WorklistItemView | null {
  let item: OpenItem | null = {
    itemId: view.itemId,
    partnerId: view.partnerId,
    reason: view.reason,
    severity: view.severity,
    openedAt: view.openedAt,
    detail: view.detail,
    clearRuns: 0,
    state: view.state === 'done' ? 'open' : view.state,
    snoozedUntil: view.snoozedUntil,
    // The run already woke items whose severity rose; only the date is left to check.
    snoozeSeverity: null,
  };
  for (const action of actions) item = item && applyAction(item, action);
  if (!item) return null;
  item = wakeIfDue({ ...item, snoozeSeverity: null }, nowMs);
  return { ...view, state: item.state, snoozedUntil: item.snoozedUntil };
}

/**
 * One page of the served worklist (contract §3.2): severity high → low, then score descending; a
 * severity filter reads only that severity's block of the list. Actions taken since the worklist was
 * built are applied; snoozed and dismissed items are left out unless `includeSnoozed`.
 */
export async function readWorklist(deps: ReadWorklistDeps, query: WorklistQuery): Promise<WorklistResponse> {
  const filters = JSON.stringify([query.reason ?? null, query.severity ?? null, query.includeSnoozed]);
  const head = await deps.worklist.getHead();
  const cursor = query.cursor ? await openFields(deps.signer, query.cursor, cursorSchema) : null;
  if (cursor && cursor[5] !== filters) {
    throw new ValidationError([
      {
        path: '/query/cursor',
        message:
          'belongs to a query with other filters (reason, severity, includeSnoozed): start again without a cursor',
      },
    ]);
  }
  if (!head) return { runId: null, items: [], nextCursor: null };
  const list = query.reason ? worklistLists.reason(query.reason) : worklistLists.all;
  let runId = head.runId;
  let page: number;
  let offset: number;
  let left: number;
  if (cursor) {
    [runId, , page, offset, left] = cursor;
  } else {
    const meta = head.lists[list];
    const block = query.severity
      ? meta?.bySeverity[query.severity]
      : { page: 0, offset: 0, count: meta?.count ?? 0 };
    if (!block) return { runId, items: [], nextCursor: null };
    ({ page, offset, count: left } = block);
  }
  const since = new Date(Date.parse(head.builtAt) - ACTION_MARGIN_MS).toISOString();
  const actions = new Map<string, ItemAction[]>();
  for (const action of await deps.worklist.actionsSince(since)) {
    const known = actions.get(action.itemId);
    if (known) known.push(action);
    else actions.set(action.itemId, [action]);
  }
  const nowMs = deps.now();
  const items: WorklistItemView[] = [];
  while (left > 0 && items.length < query.limit) {
    // One page when what is still wanted fits in it (a first page of 50 is one page), else two.
    const wanted = Math.min(left, query.limit - items.length);
    const pages = await deps.worklist.getPages(
      runId,
      list,
      page,
      offset + wanted <= WORKLIST_PAGE_SIZE ? 1 : 2,
    );
    if (pages.length === 0 || pages[0]?.page !== page) break;
    for (const stored of pages) {
      if (stored.page !== page) break;
      while (offset < stored.entries.length && left > 0 && items.length < query.limit) {
        const view = withActions(
          stored.entries[offset] as WorklistItemView,
          actions.get(stored.entries[offset]?.itemId ?? '') ?? [],
          nowMs,
        );
        offset++;
        left--;
        if (view && (query.includeSnoozed || view.state === 'open')) items.push(view);
      }
      if (offset < stored.entries.length || left === 0 || items.length === query.limit) break;
      page++;
      offset = 0;
    }
  }
  const nextCursor =
    left > 0 ? await signFields(deps.signer, [runId, list, page, offset, left, filters]) : null;
  return { runId, items, nextCursor };
}
