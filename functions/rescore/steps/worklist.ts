import type { DomainEvent } from '#core/ports.ts';
import {
  decodeColumnFile,
  jsonFile,
  readSlicePlaces,
  runFileKeys,
  type ScoredMeta,
  type SnapshotMeta,
  worklistFileKeys,
} from '#core/runs/run-files.ts';
import { eventId } from '#core/runs/run-ids.ts';
import { type RunPlan, requiredFile } from '#core/runs/run-plan.ts';
import {
  applyAction,
  conditionsOf,
  type ItemAction,
  mergeItems,
  type OpenItem,
  type WorklistItemView,
} from '#core/worklist/worklist-items.ts';
import { type WorklistPlan, type WorklistRunDeps, worklistOutboxPart } from '#core/worklist/worklist-run.ts';
import type { WorklistItemRecord } from '#core/worklist/worklist-store.ts';

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
  const model = await deps.models.getVersion(plan.modelVersion);
  if (!model) throw new Error(`model version ${plan.modelVersion} of the run is not stored`);
  const [snapshotData, scoredData, previousState, actionsData, dropPlaces] = await Promise.all([
    requiredFile(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    requiredFile(deps.files, runFileKeys.scored(plan.runId, slice)),
    plan.previousRunId ? deps.files.get(worklistFileKeys.state(plan.previousRunId, slice)) : null,
    requiredFile(deps.files, worklistFileKeys.actions(plan.runId)),
    worklistPlan.dropRunId ? readSlicePlaces(deps.files, worklistPlan.dropRunId, slice) : null,
  ]);
  const snapshot = decodeColumnFile<SnapshotMeta>(snapshotData);
  const scored = decodeColumnFile<ScoredMeta>(scoredData);
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
