import type { CurrentPreview } from '../api/models.schema.ts';
import { PARTNER_SHARDS, partnerShard } from '../keys.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import type {
  CurrentRunPointer,
  ModelStore,
  PartnerStore,
  RankingStore,
  RunFiles,
  RunStore,
} from '../ports.ts';
import {
  decodeColumnFile,
  type PlacesMeta,
  readSlicePlaces,
  runFileKeys,
  type SnapshotMeta,
} from '../runs/run-files.ts';
import { ColumnsBuilder, type PartnerColumns } from '../scoring/columns.ts';
import { previewModelThreaded } from '../scoring/preview.ts';
import { startScoringThreads } from '../scoring/score-threaded.ts';
import { readRunPlaces } from './ranking-store.ts';

export interface PreviewDeps {
  partners: Pick<PartnerStore, 'readScorable' | 'changedSince' | 'readScorableByIds'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: Pick<RunStore, 'getCurrent'>;
  rankings: Pick<RankingStore, 'readList'>;
  /** The current run's files: its snapshot parts and places (one per partner shard). */
  files: Pick<RunFiles, 'get'>;
  now: () => number;
}

/**
 * How far before the current run's start the change journal is read: the longest a write batch can
 * go on after journaling its ids (a function's 15-minute timeout) plus 5 minutes of clock skew
 * between the writer and the run. Partners written in that window are read afresh although the
 * snapshot may already hold them: harmless, and few.
 */
export const JOURNAL_MARGIN_MS = 20 * 60_000;

/**
 * `POST /model/preview`: scores the current partners under the active and the candidate model, with
 * hysteresis against the current run's tiers, and reports who moves. Reads only; stores nothing.
 *
 * Fast path: the current run's snapshot parts and places files (two S3 GETs per partner shard, in
 * parallel), plus the partners its change journal names since the run (one strongly consistent
 * BatchGetItem per 100), so the answer is exact for the partners as they are now without reading
 * them all. It falls back to reading every partner (32 shard queries in parallel, with the places
 * files, or the run's `all` ranking pages when those are gone) before the first run, when a file
 * expired, when a model names a metric the snapshot does not hold, or when more than a quarter of
 * the partners changed since the run.
 */
export async function previewCandidate(
  deps: PreviewDeps,
  candidate: ScoringModel,
  limit: number,
): Promise<CurrentPreview> {
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
  const fromSnapshot = current ? await snapshotPopulation(deps, current, union) : null;
  const population = fromSnapshot ?? (await storePopulation(deps, current, union));
  const preview = await previewModelThreaded(population.columns, active.model, candidate, {
    runTimeMs: deps.now(),
    currentTiers: population.tiers,
    limit,
  });
  return {
    ...preview,
    basis: {
      source: fromSnapshot ? 'snapshot' : 'partners',
      runId: current?.runId ?? null,
      changedPartners: fromSnapshot ? fromSnapshot.changed : null,
    },
  };
}

interface Population {
  columns: PartnerColumns;
  /** Each partner's tier in the current run (aligned with the columns). */
  tiers: (string | null)[];
}

/** Every partner from the partner store, with its tier from the current run's places (or pages). */
async function storePopulation(
  deps: PreviewDeps,
  current: CurrentRunPointer | null,
  union: ScoringModel,
): Promise<Population> {
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
  return { columns, tiers: columns.ids.map((id) => tiers.get(id) ?? null) };
}

/**
 * The current run's snapshot brought up to date: each shard's snapshot part (ids, `asOf`, metric
 * columns) and places file (the run's tiers, in the same order), minus the partners the change
 * journal names since the run, plus those partners as stored now (deleted ones left out). `null`
 * when the fast path cannot give the exact answer (see {@link previewCandidate}).
 */
async function snapshotPopulation(
  deps: PreviewDeps,
  current: CurrentRunPointer,
  union: ScoringModel,
): Promise<(Population & { changed: number }) | null> {
  const since = new Date(Date.parse(current.scoredAt) - JOURNAL_MARGIN_MS).toISOString();
  // Each shard's files are decoded as soon as both arrive, while the other shards still download.
  const [changedIds, shards] = await Promise.all([
    deps.partners.changedSince(since),
    Promise.all(
      Array.from({ length: PARTNER_SHARDS }, async (_, shard) => {
        const [snapshot, places] = await Promise.all([
          deps.files.get(runFileKeys.snapshot(current.runId, shard)),
          deps.files.get(runFileKeys.places(current.runId, shard)),
        ]);
        if (!snapshot || !places) return null;
        return {
          snapshot: decodeColumnFile<SnapshotMeta>(snapshot),
          places: decodeColumnFile<PlacesMeta>(places),
        };
      }),
    ),
  ]);
  const parts = shards.filter((part) => part !== null);
  if (parts.length < shards.length) return null;
  const metricNames = union.metrics.map((metric) => normalizeName(metric.name));
  const total = parts.reduce((sum, part) => sum + part.snapshot.meta.ids.length, 0);
  if (changedIds.length > total / 4) return null;
  // The scoring threads start while the changed partners are read and the columns built.
  startScoringThreads(total + changedIds.length);
  for (const { snapshot, places } of parts) {
    // Every metric of both models must be in the snapshot (it holds those of the run's model).
    if (metricNames.some((name) => !snapshot.meta.metrics.includes(name))) return null;
    // The run writes places in its snapshot's order; anything else is not this snapshot's.
    const ids = snapshot.meta.ids;
    const placeIds = places.meta.ids;
    if (placeIds.length !== ids.length) return null;
    for (let i = 0; i < ids.length; i++) if (placeIds[i] !== ids[i]) return null;
  }

  const fresh =
    changedIds.length > 0
      ? await deps.partners.readScorableByIds(
          changedIds,
          union.metrics.map((metric) => metric.name),
        )
      : [];
  const changedByShard = Array.from({ length: PARTNER_SHARDS }, () => new Set<string>());
  for (const id of changedIds) changedByShard[partnerShard(id)]?.add(id);

  const capacity = total + fresh.length;
  const ids: string[] = [];
  // Shared memory: the scoring threads read these columns where they are, without a copy.
  const column = () => new Float64Array(new SharedArrayBuffer(8 * capacity));
  const asOfMs = column();
  const values = metricNames.map(column);
  const tiers: (string | null)[] = [];
  const runTierOf = new Map<string, string | null>();
  let n = 0;
  parts.forEach(({ snapshot, places }, shard) => {
    const rows = snapshot.meta.ids;
    const tierCodes = places.columns.tier as Uint32Array;
    const tierNames = places.meta.tiers;
    const source = metricNames.map(
      (name) => snapshot.columns[`m${snapshot.meta.metrics.indexOf(name)}`] as Float64Array,
    );
    const snapshotAsOf = snapshot.columns.asOfMs as Float64Array;
    const changed = changedByShard[shard] as Set<string>;
    if (changed.size === 0) {
      // The common case: the whole part as it is.
      asOfMs.set(snapshotAsOf, n);
      values.forEach((column, j) => {
        column.set(source[j] as Float64Array, n);
      });
      for (let i = 0; i < rows.length; i++) {
        ids.push(rows[i] as string);
        tiers.push(tierNames[tierCodes[i] as number] ?? null);
      }
      n += rows.length;
      return;
    }
    for (let i = 0; i < rows.length; i++) {
      const id = rows[i] as string;
      const tier = tierNames[tierCodes[i] as number] ?? null;
      if (changed.has(id)) {
        runTierOf.set(id, tier);
        continue;
      }
      ids.push(id);
      tiers.push(tier);
      asOfMs[n] = snapshotAsOf[i] as number;
      values.forEach((column, j) => {
        column[n] = (source[j] as Float64Array)[i] as number;
      });
      n++;
    }
  });
  // The changed partners as stored now, with their tier in the run (none when new since).
  const builder = new ColumnsBuilder(union, fresh.length);
  for (const partner of fresh) builder.add(partner);
  const added = builder.build();
  asOfMs.set(added.asOfMs, n);
  values.forEach((column, j) => {
    column.set(added.values[j] as Float64Array, n);
  });
  for (const id of added.ids) {
    ids.push(id);
    tiers.push(runTierOf.get(id) ?? null);
  }
  n += added.ids.length;
  return {
    columns: {
      ids,
      asOfMs: asOfMs.subarray(0, n),
      values: values.map((column) => column.subarray(0, n)),
      metrics: metricNames,
    },
    tiers,
    changed: changedIds.length,
  };
}
