import type { WorklistItemView } from '../api/worklist.schema.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type {
  DomainEvent,
  ModelStore,
  RunFiles,
  RunStore,
  WorklistHead,
  WorklistItemRecord,
  WorklistListMeta,
  WorklistPage,
  WorklistStore,
} from '../ports.ts';
import { PAGE_TTL_DAYS, RUN_SLICES, type RunPlan, readSlicePlaces } from '../runs/rescore-run.ts';
import { decodeColumnFile, jsonFile, runFileKeys } from '../runs/run-files.ts';
import { eventId } from '../runs/run-ids.ts';
import { configForRun, type WorklistConfig } from './worklist-config.ts';
import {
  applyAction,
  compareViews,
  conditionsOf,
  type ItemAction,
  mergeItems,
  type OpenItem,
  REASONS,
  SEVERITIES,
} from './worklist-items.ts';
import { worklistLists } from './worklist-store.ts';

/**
 * Actions are folded into a run's worklist from this long before the previous worklist was built,
 * and applied on reads from this long before the served one was built: an action in flight while a
 * run read the log is never lost, and applying one twice changes nothing.
 */
export const ACTION_MARGIN_MS = 10 * 60_000;
/** Most entries of a stored worklist page: a first page of 50 is one read of one page. */
export const WORKLIST_PAGE_SIZE = 50;
/** Most UTF-8 bytes of a page's entries (long names close a page early). */
export const WORKLIST_PAGE_MAX_BYTES = 32 * 1024;

/** What the worklist steps of a run need. */
export interface WorklistRunDeps {
  files: RunFiles;
  runs: Pick<RunStore, 'listRuns'>;
  models: Pick<ModelStore, 'getVersion'>;
  worklist: WorklistStore;
  now: () => number;
}

/** The worklist facts a run fixes once (a small step result). */
export interface WorklistPlan {
  config: WorklistConfig;
  /** The completed run `dropRuns` runs before this one, or null when there were fewer. */
  dropRunId: string | null;
  /** When the users' actions were read (the worklist's `builtAt`). */
  builtAt: string;
}

export const worklistFileKeys = {
  plan: (runId: string) => `runs/${runId}/worklist/plan.json`,
  actions: (runId: string) => `runs/${runId}/worklist/actions.json`,
  state: (runId: string, slice: number) => `runs/${runId}/worklist/state/${slice}.json`,
  entries: (runId: string, slice: number) => `runs/${runId}/worklist/entries/${slice}.json`,
  head: (runId: string) => `runs/${runId}/worklist/head.json`,
};

/** The outbox part of a slice's `WorklistItemOpened` events: numbered after the tier-change parts. */
export function worklistOutboxPart(slice: number): number {
  return RUN_SLICES + slice;
}

/**
 * Worklist step 1: the settings the run uses (those changed after it started wait for the next run),
 * the run `dropRuns` back, and the users' actions since the previous worklist (a run file the slices
 * read).
 */
export async function planWorklist(deps: WorklistRunDeps, plan: RunPlan): Promise<WorklistPlan> {
  const planKey = worklistFileKeys.plan(plan.runId);
  const existing = plan.resumed ? await deps.files.get(planKey) : null;
  if (existing) return jsonFile.decode<WorklistPlan>(existing);
  const config = configForRun(await deps.worklist.getConfig(), plan.startedAt);
  const earlier = (await deps.runs.listRuns(config.dropRuns + 20)).filter(
    (run) => run.status === 'completed' && run.runId !== plan.runId && run.startedAt < plan.startedAt,
  );
  const dropRunId = earlier[config.dropRuns - 1]?.runId ?? null;
  const head = await deps.worklist.getHead();
  const since = head ? new Date(Date.parse(head.builtAt) - ACTION_MARGIN_MS).toISOString() : '';
  const actions = await deps.worklist.actionsSince(since);
  const worklistPlan: WorklistPlan = { config, dropRunId, builtAt: new Date(deps.now()).toISOString() };
  await deps.files.put(worklistFileKeys.actions(plan.runId), jsonFile.encode(actions));
  await deps.files.put(planKey, jsonFile.encode(worklistPlan));
  return worklistPlan;
}

interface SnapshotLike {
  ids: string[];
}

/**
 * Worklist step 2 (one per slice, fanned out): the slice's items after this run, from its scores and
 * held tiers, its partners' `asOf`, the scores `dropRuns` runs back (that run's places file) and the
 * previous run's items with the users' actions applied. Writes the records of items that opened,
 * changed severity or resolved, the `WorklistItemOpened` events as an outbox part, the slice's page
 * entries and its state (last: when it exists, the slice is done). Returns the number of events.
 */
export async function worklistSlice(
  deps: WorklistRunDeps,
  plan: RunPlan,
  worklistPlan: WorklistPlan,
  slice: number,
): Promise<number> {
  const stateKey = worklistFileKeys.state(plan.runId, slice);
  const outboxKey = runFileKeys.outbox(plan.runId, worklistOutboxPart(slice));
  if (plan.resumed && (await deps.files.get(stateKey))) {
    const outbox = await deps.files.get(outboxKey);
    return outbox ? jsonFile.decode<unknown[]>(outbox).length : 0;
  }
  const model = await deps.models.getVersion(plan.modelVersion);
  if (!model) throw new Error(`model version ${plan.modelVersion} of the run is not stored`);
  const [snapshotData, scoredData, previousState, actionsData, dropPlaces] = await Promise.all([
    required(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    required(deps.files, runFileKeys.scored(plan.runId, slice)),
    plan.previousRunId ? deps.files.get(worklistFileKeys.state(plan.previousRunId, slice)) : null,
    required(deps.files, worklistFileKeys.actions(plan.runId)),
    worklistPlan.dropRunId ? readSlicePlaces(deps.files, worklistPlan.dropRunId, slice) : null,
  ]);
  const snapshot = decodeColumnFile<SnapshotLike>(snapshotData);
  const scored = decodeColumnFile<{ tiers: string[] }>(scoredData);
  const names = snapshot.text('names');
  const asOfMs = snapshot.columns.asOfMs as Float64Array;
  const scores = scored.columns.score as Float64Array;
  const tiers = scored.columns.tier as Int32Array;

  const previousByPartner = new Map<string, OpenItem[]>();
  for (const item of previousState ? jsonFile.decode<OpenItem[]>(previousState) : []) {
    const list = previousByPartner.get(item.partnerId);
    if (list) list.push(item);
    else previousByPartner.set(item.partnerId, [item]);
  }
  const actionsByItem = new Map<string, ItemAction[]>();
  for (const action of jsonFile.decode<ItemAction[]>(actionsData)) {
    const list = actionsByItem.get(action.itemId);
    if (list) list.push(action);
    else actionsByItem.set(action.itemId, [action]);
  }
  const withActions = (items: readonly OpenItem[]) =>
    items.flatMap((item) => {
      let current: OpenItem | null = item;
      for (const action of actionsByItem.get(item.itemId) ?? [])
        current = current && applyAction(current, action);
      return current ? [current] : [];
    });

  const run = { runId: plan.runId, startedAt: plan.startedAt, timeMs: Date.parse(plan.startedAt) };
  const state: OpenItem[] = [];
  const entries: WorklistItemView[] = [];
  const opened: WorklistItemRecord[] = [];
  const changed: WorklistItemRecord[] = [];
  const resolved: string[] = [];
  const { ids } = snapshot.meta;
  for (let i = 0; i < ids.length; i++) {
    const partnerId = ids[i] as string;
    const tierIndex = tiers[i] as number;
    const tier = tierIndex >= 0 ? (scored.meta.tiers[tierIndex] as string) : null;
    const score = scores[i] as number;
    const conditions = conditionsOf(model, worklistPlan.config, run.timeMs, {
      score,
      tier,
      asOfMs: asOfMs[i] as number,
      scoreThen: dropPlaces?.get(partnerId)?.score ?? Number.NaN,
    });
    const before = previousByPartner.get(partnerId);
    previousByPartner.delete(partnerId);
    if (conditions.length === 0 && !before) continue;
    const changes = mergeItems(partnerId, withActions(before ?? []), conditions, run);
    const view = (item: OpenItem): WorklistItemView => ({
      itemId: item.itemId,
      partnerId,
      name: names[i] as string,
      tier,
      score,
      reason: item.reason,
      severity: item.severity,
      openedAt: item.openedAt,
      detail: item.detail,
      state: item.state,
      snoozedUntil: item.snoozedUntil,
    });
    const record = (item: OpenItem): WorklistItemRecord => ({
      ...view(item),
      status: 'open',
      resolvedAt: null,
      snoozeSeverity: item.snoozeSeverity,
    });
    state.push(...changes.items);
    entries.push(...changes.items.map(view));
    opened.push(...changes.opened.map(record));
    changed.push(...changes.changed.map(record));
    resolved.push(...changes.resolved.map((item) => item.itemId));
  }
  // Partners gone since the previous run (deleted): their items resolve.
  for (const items of previousByPartner.values()) resolved.push(...items.map((item) => item.itemId));

  await deps.worklist.openItems(opened);
  await deps.worklist.updateItems(changed);
  await deps.worklist.resolveItems(resolved, plan.startedAt);
  const events: DomainEvent[] = opened.map((item) => ({
    id: eventId(plan.runId, 'WorklistItemOpened', item.itemId),
    detailType: 'WorklistItemOpened',
    time: plan.startedAt,
    detail: {
      itemId: item.itemId,
      partnerId: item.partnerId,
      reason: item.reason,
      severity: item.severity,
      runId: plan.runId,
    },
  }));
  if (events.length > 0) await deps.files.put(outboxKey, jsonFile.encode(events));
  await deps.files.put(worklistFileKeys.entries(plan.runId, slice), jsonFile.encode(entries));
  await deps.files.put(stateKey, jsonFile.encode(state));
  return events.length;
}

/**
 * Worklist step 3: the run's worklist pages, every item in `all` and in its reason's list, sorted by
 * severity, then score descending; pages of at most {@link WORKLIST_PAGE_SIZE} entries. The list sizes
 * and severity blocks go to the run's worklist head (a run file, served after the switch).
 */
export async function worklistPages(
  deps: WorklistRunDeps,
  plan: RunPlan,
  worklistPlan: WorklistPlan,
): Promise<void> {
  const headKey = worklistFileKeys.head(plan.runId);
  if (plan.resumed && (await deps.files.get(headKey))) return;
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    async (slice) =>
      jsonFile.decode<WorklistItemView[]>(
        await required(deps.files, worklistFileKeys.entries(plan.runId, slice)),
      ),
  );
  const all = parts.flat().sort(compareViews);
  const byList = new Map<string, WorklistItemView[]>([[worklistLists.all, all]]);
  for (const reason of REASONS) byList.set(worklistLists.reason(reason), []);
  for (const item of all) byList.get(worklistLists.reason(item.reason))?.push(item);
  const lists: Record<string, WorklistListMeta> = {};
  const pages: WorklistPage[] = [];
  for (const [list, items] of byList) {
    const meta: WorklistListMeta = { count: items.length, bySeverity: {} };
    let page: WorklistPage = { list, page: 0, entries: [] };
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(JSON.stringify(item));
      if (
        page.entries.length === WORKLIST_PAGE_SIZE ||
        (page.entries.length > 0 && bytes + size > WORKLIST_PAGE_MAX_BYTES)
      ) {
        pages.push(page);
        page = { list, page: page.page + 1, entries: [] };
        bytes = 0;
      }
      const block = meta.bySeverity[item.severity];
      if (block) block.count++;
      else meta.bySeverity[item.severity] = { count: 1, page: page.page, offset: page.entries.length };
      page.entries.push(item);
      bytes += size;
    }
    if (page.entries.length > 0) pages.push(page);
    lists[list] = meta;
  }
  const expiresAt = Math.floor(Date.parse(plan.startedAt) / 1000) + PAGE_TTL_DAYS * 86_400;
  await deps.worklist.putPages(plan.runId, pages, expiresAt);
  const head: WorklistHead = { runId: plan.runId, builtAt: worklistPlan.builtAt, lists };
  await deps.files.put(headKey, jsonFile.encode(head));
}

/** Worklist step 4, after the switch: the run's worklist becomes the one `GET /worklist` serves. */
export async function switchWorklist(deps: WorklistRunDeps, plan: RunPlan): Promise<void> {
  const head = await deps.files.get(worklistFileKeys.head(plan.runId));
  if (head) await deps.worklist.putHead(jsonFile.decode<WorklistHead>(head));
}

/** Counts per severity, for summaries. */
export function severityCounts(meta: WorklistListMeta | undefined): Record<string, number> {
  return Object.fromEntries(SEVERITIES.map((severity) => [severity, meta?.bySeverity[severity]?.count ?? 0]));
}

async function required(files: RunFiles, key: string): Promise<Uint8Array> {
  const data = await files.get(key);
  if (!data) throw new Error(`run file ${key} is missing (deleted, or an earlier phase did not finish)`);
  return data;
}
