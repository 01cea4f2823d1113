import { mapWithConcurrency } from '#core/concurrency.ts';
import { jsonFile, PAGE_TTL_DAYS, worklistFileKeys } from '#core/runs/run-files.ts';
import { RUN_SLICES, type RunPlan, requiredFile } from '#core/runs/run-plan.ts';
import { compareViews, REASONS, type WorklistItemView } from '#core/worklist/worklist-items.ts';
import {
  WORKLIST_PAGE_MAX_BYTES,
  WORKLIST_PAGE_SIZE,
  type WorklistPlan,
  type WorklistRunDeps,
} from '#core/worklist/worklist-run.ts';
import {
  type WorklistHead,
  type WorklistListMeta,
  type WorklistPage,
  worklistLists,
} from '#core/worklist/worklist-store.ts';

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
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    async (slice) =>
      jsonFile.decode<WorklistItemView[]>(
        await requiredFile(deps.files, worklistFileKeys.entries(plan.runId, slice)),
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
