import { mapWithConcurrency } from '../concurrency.ts';
import { type RankingStore, type RunPlace, readRunPlaces } from '../ranking/ranking-store.ts';
import type { PartnerColumns } from '../scoring/columns.ts';
import {
  Dictionary,
  decodeColumnFile,
  encodeColumnFile,
  NONE,
  type RunFiles,
  runFileKeys,
  type SnapshotMeta,
} from './run-files.ts';
import { RUN_SLICES, requiredFile } from './run-plan.ts';

/*
 * The run's snapshot as the scoring step loads it: every slice's snapshot part in one population,
 * with the previous run's places filled in when its place files are gone.
 */

/** The whole snapshot of a run, in slice order, dictionaries merged (what the scoring step scores). */
export interface Population {
  columns: PartnerColumns;
  /** Index of each slice's first partner, plus the total at the end. */
  sliceStarts: number[];
  region: Uint32Array;
  regionNames: string[];
  type: Uint32Array;
  typeNames: string[];
  previousTier: Uint32Array;
  previousTierNames: string[];
  previousRank: Int32Array;
  entryBytes: Uint32Array;
  previousFound: boolean;
}

/** Every snapshot part, concatenated (slice order), with the parts' dictionaries merged. */
export async function loadSnapshot(files: RunFiles, runId: string): Promise<Population> {
  const parts = await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    8,
    async (slice) =>
      decodeColumnFile<SnapshotMeta>(await requiredFile(files, runFileKeys.snapshot(runId, slice))),
  );
  const sliceStarts = [0];
  for (const part of parts) sliceStarts.push((sliceStarts.at(-1) as number) + part.meta.ids.length);
  const n = sliceStarts.at(-1) as number;
  const metrics = parts[0]?.meta.metrics ?? [];
  const ids: string[] = new Array(n);
  const asOfMs = new Float64Array(n);
  const values = metrics.map(() => new Float64Array(n));
  const merged = {
    region: { codes: new Uint32Array(n), dictionary: new Dictionary() },
    type: { codes: new Uint32Array(n), dictionary: new Dictionary() },
    previousTier: { codes: new Uint32Array(n), dictionary: new Dictionary() },
  };
  const previousRank = new Int32Array(n);
  const entryBytes = new Uint32Array(n);
  let previousFound = true;
  parts.forEach((part, slice) => {
    const start = sliceStarts[slice] as number;
    const { meta, columns } = part;
    meta.ids.forEach((id, i) => {
      ids[start + i] = id;
    });
    asOfMs.set(columns.asOfMs as Float64Array, start);
    values.forEach((column, j) => {
      column.set(columns[`m${j}`] as Float64Array, start);
    });
    previousRank.set(columns.previousRank as Int32Array, start);
    entryBytes.set(columns.entryBytes as Uint32Array, start);
    const remap = (name: 'region' | 'type' | 'previousTier', names: string[]) => {
      const target = merged[name];
      const local = names.map((value) => target.dictionary.code(value));
      const source = columns[name] as Uint32Array;
      for (let i = 0; i < source.length; i++) {
        const code = source[i] as number;
        target.codes[start + i] = code === NONE ? NONE : (local[code] as number);
      }
    };
    remap('region', meta.regions);
    remap('type', meta.types);
    remap('previousTier', meta.previousTiers);
    previousFound &&= meta.previousFound;
  });
  return {
    columns: { ids, asOfMs, values, metrics },
    sliceStarts,
    region: merged.region.codes,
    regionNames: merged.region.dictionary.values,
    type: merged.type.codes,
    typeNames: merged.type.dictionary.values,
    previousTier: merged.previousTier.codes,
    previousTierNames: merged.previousTier.dictionary.values,
    previousRank,
    entryBytes,
    previousFound,
  };
}

/**
 * Writes the previous run's tier, rank and score into each snapshot part (after
 * {@link fillPreviousFromPages}), so the write slices find them where they look.
 */
export async function completePrevious(files: RunFiles, runId: string, places: Map<string, RunPlace>) {
  await mapWithConcurrency(
    Array.from({ length: RUN_SLICES }, (_, slice) => slice),
    4,
    async (slice) => {
      const key = runFileKeys.snapshot(runId, slice);
      const part = decodeColumnFile<SnapshotMeta>(await requiredFile(files, key));
      const tiers = new Dictionary();
      const tier = part.columns.previousTier as Uint32Array;
      const rank = part.columns.previousRank as Int32Array;
      const score = part.columns.previousScore as Float64Array;
      part.meta.ids.forEach((id, i) => {
        const place = places.get(id);
        tier[i] = tiers.code(place?.tier ?? null);
        rank[i] = place ? place.rank : -1;
        score[i] = place ? place.score : Number.NaN;
      });
      const meta: SnapshotMeta = { ...part.meta, previousTiers: tiers.values, previousFound: true };
      await files.put(
        key,
        encodeColumnFile({ meta, columns: part.columns, texts: { names: part.text('names') } }),
      );
    },
  );
}

/**
 * The previous run's places from its `all` pages, for a previous run without place files (one from
 * before run files, or whose files expired).
 */
export async function fillPreviousFromPages(
  rankings: RankingStore,
  previousRunId: string,
  population: Population,
) {
  const places = await readRunPlaces(rankings, previousRunId);
  const dictionary = new Dictionary();
  population.columns.ids.forEach((id, i) => {
    const place = places.get(id);
    population.previousTier[i] = dictionary.code(place?.tier ?? null);
    population.previousRank[i] = place ? place.rank : -1;
  });
  population.previousTierNames = dictionary.values;
  // The snapshot's entry sizes assumed no previous rank; the scorer adds the exact lengths.
  return places;
}
