import { mapWithConcurrency } from '#core/concurrency.ts';
import { decodeEntries, type ListPage } from '#core/ranking/ranking-store.ts';
import { jsonFile, PAGE_TTL_DAYS, type PageEntryRow, runFileKeys } from '#core/runs/run-files.ts';
import { type RescoreRunDeps, RUN_SLICES, type RunPlan, runHeader } from '#core/runs/run-plan.ts';

/**
 * Step 5 (one per page writer, fanned out): assembles the pages routed to this writer from every
 * slice's entries and writes them (the same items on a re-run).
 */
export async function writePages(deps: RescoreRunDeps, plan: RunPlan, writer: number): Promise<void> {
  const byPage = new Map<string, { list: string; page: number; entries: [number, string][] }>();
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    (slice) => deps.files.get(runFileKeys.entries(plan.runId, writer, slice)),
  );
  for (const data of parts) {
    if (!data) continue;
    for (const [list, page, offset, entry] of jsonFile.decode<PageEntryRow[]>(data)) {
      const key = `${list}\u0000${page}`;
      let found = byPage.get(key);
      if (!found) {
        found = { list, page, entries: [] };
        byPage.set(key, found);
      }
      found.entries.push([offset, entry]);
    }
  }
  const pages: ListPage[] = [...byPage.values()].map(({ list, page, entries }) => ({
    list,
    page,
    entries: decodeEntries(
      `[${entries
        .sort((a, b) => a[0] - b[0])
        .map(([, entry]) => entry)
        .join(',')}]`,
    ),
  }));
  const pageExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + PAGE_TTL_DAYS * 86_400;
  await deps.rankings.putPages(runHeader(plan), pages, pageExpiry);
}
