import { buildSearchPages } from '#core/partners/search-index.ts';
import {
  decodeColumnFile,
  NONE,
  PAGE_TTL_DAYS,
  runFileKeys,
  type SnapshotMeta,
} from '#core/runs/run-files.ts';
import { type RescoreRunDeps, RUN_SLICES, type RunPlan, requiredFile } from '#core/runs/run-plan.ts';

/**
 * Step 5c: the run's partner search index (`GET /partners?search=`), over every partner of the
 * snapshot (ids, names, types, regions: the only step besides the slices that reads the names).
 */
export async function writeSearchIndex(deps: RescoreRunDeps, plan: RunPlan): Promise<void> {
  const ids: string[] = [];
  const names: string[] = [];
  const types: (string | null)[] = [];
  const regions: (string | null)[] = [];
  for (let slice = 0; slice < RUN_SLICES; slice++) {
    const part = decodeColumnFile<SnapshotMeta>(
      await requiredFile(deps.files, runFileKeys.snapshot(plan.runId, slice)),
    );
    const region = part.columns.region as Uint32Array;
    const type = part.columns.type as Uint32Array;
    ids.push(...part.meta.ids);
    names.push(...part.text('names'));
    for (let i = 0; i < part.meta.ids.length; i++) {
      regions.push(region[i] === NONE ? null : (part.meta.regions[region[i] as number] as string));
      types.push(type[i] === NONE ? null : (part.meta.types[type[i] as number] as string));
    }
  }
  const pageExpiry = Math.floor(Date.parse(plan.startedAt) / 1000) + PAGE_TTL_DAYS * 86_400;
  await deps.rankings.putSearchPages(plan.runId, buildSearchPages(ids, names, types, regions), pageExpiry);
}
