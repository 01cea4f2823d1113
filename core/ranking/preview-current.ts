import { PARTNER_SHARDS } from '../keys.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import type { ModelStore, PartnerStore } from '../ports.ts';
import { readSlicePlaces } from '../runs/rescore-run.ts';
import type { RunFiles } from '../runs/run-files.ts';
import type { RunStore } from '../runs/run-store.ts';
import { ColumnsBuilder } from '../scoring/columns.ts';
import { type ModelPreview, previewModel } from '../scoring/preview.ts';
import { type RankingStore, readRunPlaces } from './ranking-store.ts';

export interface PreviewDeps {
  partners: Pick<PartnerStore, 'readScorable'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: Pick<RunStore, 'getCurrent'>;
  rankings: Pick<RankingStore, 'readList'>;
  /** The current run's places files (one per partner shard), read instead of its ranking pages. */
  files: Pick<RunFiles, 'get'>;
  now: () => number;
}

/**
 * `POST /model/preview`: scores the current partners under the active and the candidate model, with
 * hysteresis against the current run's tiers, and reports who moves. Reads only; stores nothing.
 *
 * The 32 partner shards are read in parallel, each with the current run's places file of the same
 * shard (one S3 GET); only when a places file is gone are the tiers read from the run's `all`
 * ranking pages (one query per 100 partners).
 */
export async function previewCandidate(
  deps: PreviewDeps,
  candidate: ScoringModel,
  limit: number,
): Promise<ModelPreview> {
  const [active, current] = await Promise.all([deps.models.getActive(), deps.runs.getCurrent()]);
  // Columns for the metrics of both models, so each model finds its own.
  const known = new Set(active.model.metrics.map((metric) => normalizeName(metric.name)));
  const union: ScoringModel = {
    ...active.model,
    metrics: [
      ...active.model.metrics,
      ...candidate.metrics.filter((metric) => !known.has(normalizeName(metric.name))),
    ],
  };
  const metricNames = union.metrics.map((metric) => metric.name);
  const builder = new ColumnsBuilder(union, 4096);
  const tiers = new Map<string, string | null>();
  let placesMissing = false;
  await Promise.all(
    Array.from({ length: PARTNER_SHARDS }, async (_, shard) => {
      const readPartners = async () => {
        for await (const page of deps.partners.readScorable(shard, metricNames))
          for (const partner of page) builder.add(partner);
      };
      const [places] = await Promise.all([
        current ? readSlicePlaces(deps.files, current.runId, shard) : null,
        readPartners(),
      ]);
      if (current && !places) placesMissing = true;
      for (const [id, place] of places ?? []) tiers.set(id, place.tier);
    }),
  );
  if (current && placesMissing) {
    for (const [id, place] of await readRunPlaces(deps.rankings, current.runId)) tiers.set(id, place.tier);
  }
  const columns = builder.build();
  return previewModel(columns, active.model, candidate, {
    runTimeMs: deps.now(),
    currentTiers: columns.ids.map((id) => tiers.get(id) ?? null),
    limit,
  });
}
