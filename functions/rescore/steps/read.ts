import { encodeEntry } from '#core/ranking/ranking-store.ts';
import {
  Dictionary,
  encodeColumnFile,
  readSlicePlaces,
  runFileKeys,
  type SnapshotMeta,
} from '#core/runs/run-files.ts';
import { modelOf, type RescoreRunDeps, type RunPlan } from '#core/runs/run-plan.ts';
import { ColumnsBuilder } from '#core/scoring/columns.ts';

/**
 * Step 2 (one per slice, fanned out): reads the partners of one shard into columns and writes them
 * as the slice's snapshot part (numbers, ids, dictionary-coded region/type/previous tier, each
 * entry's encoded size) plus its labels (names), with the previous run's tier and rank of each
 * partner. A re-run of the step (cut off, or retried) reads the shard again and writes the part again,
 * whole: the scoring step reads the part the step's last attempt wrote.
 */
export async function readSlice(deps: RescoreRunDeps, plan: RunPlan, slice: number): Promise<number> {
  const key = runFileKeys.snapshot(plan.runId, slice);
  const model = await modelOf(deps, plan);
  const builder = new ColumnsBuilder(model, 4096);
  const names: string[] = [];
  const regions = new Dictionary();
  const types = new Dictionary();
  const regionCodes: number[] = [];
  const typeCodes: number[] = [];
  const entryBytes: number[] = [];
  for await (const page of deps.partners.readShard(slice)) {
    for (const partner of page) {
      builder.add(partner);
      names.push(partner.name);
      regionCodes.push(regions.code(partner.region));
      typeCodes.push(types.code(partner.type));
      // The entry's size with the run's numbers left out; the scorer adds their exact lengths.
      entryBytes.push(
        Buffer.byteLength(
          encodeEntry({
            rank: 0,
            id: partner.id,
            name: partner.name,
            score: 0,
            tier: null,
            previousRank: null,
            region: partner.region,
            type: partner.type,
            coverage: null,
          }),
        ),
      );
    }
  }
  const columns = builder.build();
  const previous = plan.previousRunId ? await readSlicePlaces(deps.files, plan.previousRunId, slice) : null;
  const previousTiers = new Dictionary();
  const previousTier = new Uint32Array(columns.ids.length);
  const previousRank = new Int32Array(columns.ids.length).fill(-1);
  const previousScore = new Float64Array(columns.ids.length).fill(Number.NaN);
  columns.ids.forEach((id, i) => {
    const place = previous?.get(id);
    previousTier[i] = previousTiers.code(place?.tier ?? null);
    if (place) {
      previousRank[i] = place.rank;
      previousScore[i] = place.score;
    }
  });
  const meta: SnapshotMeta = {
    ids: columns.ids,
    metrics: columns.metrics,
    regions: regions.values,
    types: types.values,
    previousTiers: previousTiers.values,
    previousFound: plan.previousRunId === null || previous !== null,
  };
  const file = encodeColumnFile({
    meta,
    texts: { names },
    columns: {
      asOfMs: columns.asOfMs,
      ...Object.fromEntries(columns.values.map((column, j) => [`m${j}`, column])),
      region: Uint32Array.from(regionCodes),
      type: Uint32Array.from(typeCodes),
      previousTier,
      previousRank,
      previousScore,
      entryBytes: Uint32Array.from(entryBytes),
    },
  });
  await deps.files.put(key, file);
  return columns.ids.length;
}
