import { PARTNER_SHARDS } from '../keys.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import type { ModelStore, PartnerStore } from '../ports.ts';
import type { RunStore } from '../runs/run-store.ts';
import { ColumnsBuilder } from '../scoring/columns.ts';
import { type ModelPreview, previewModel } from '../scoring/preview.ts';
import { type RankingStore, type RunPlace, readRunPlaces } from './ranking-store.ts';

export interface PreviewDeps {
  partners: Pick<PartnerStore, 'readShard'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: Pick<RunStore, 'getCurrent'>;
  rankings: Pick<RankingStore, 'readList'>;
  now: () => number;
}

/**
 * `POST /model/preview`: scores the current partners under the active and the candidate model, with
 * hysteresis against the current run's tiers, and reports who moves. Reads only; stores nothing.
 */
export async function previewCandidate(
  deps: PreviewDeps,
  candidate: ScoringModel,
  limit: number,
): Promise<ModelPreview> {
  const [active, current] = await Promise.all([deps.models.getActive(), deps.runs.getCurrent()]);
  const places = current ? await readRunPlaces(deps.rankings, current.runId) : new Map<string, RunPlace>();
  // Columns for the metrics of both models, so each model finds its own.
  const known = new Set(active.model.metrics.map((metric) => normalizeName(metric.name)));
  const union: ScoringModel = {
    ...active.model,
    metrics: [
      ...active.model.metrics,
      ...candidate.metrics.filter((metric) => !known.has(normalizeName(metric.name))),
    ],
  };
  const builder = new ColumnsBuilder(union, 4096);
  await Promise.all(
    Array.from({ length: PARTNER_SHARDS }, async (_, shard) => {
      for await (const page of deps.partners.readShard(shard))
        for (const partner of page) builder.add(partner);
    }),
  );
  const columns = builder.build();
  return previewModel(columns, active.model, candidate, {
    runTimeMs: deps.now(),
    currentTiers: columns.ids.map((id) => places.get(id)?.tier ?? null),
    limit,
  });
}
