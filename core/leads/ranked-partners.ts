import { PARTNER_SHARDS } from '../keys.ts';
import type { ModelStore } from '../ports.ts';
import { lists, type RankingStore } from '../ranking/ranking-store.ts';
import { decodeColumnFile, type RunFiles, runFileKeys } from '../runs/run-files.ts';
import type { RunStore } from '../runs/run-store.ts';
import type { RankedPartner } from './selection.ts';

/** The ranking a choice is made from: the current run's partners and the model's tier order. */
export interface CurrentRanking {
  runId: string;
  partners: RankedPartner[];
  /** Tier names, lowest first. */
  tierOrder: string[];
}

export interface RankingSourceDeps {
  runs: Pick<RunStore, 'getCurrent'>;
  models: Pick<ModelStore, 'getVersion'>;
  files: Pick<RunFiles, 'get'>;
  rankings: Pick<RankingStore, 'readList'>;
}

/** A dictionary code meaning "no value" in a run's column files. */
const NONE = 0xffffffff;
/** Runs whose partners are kept in memory (the current one, and the one before for a fold). */
const CACHED_RUNS = 2;

/**
 * The partners of a run (region, type, tier, score) from its columnar files: each shard's snapshot
 * part (ids, dictionary-coded region and type) and places file (tier and score, same order), 64 S3
 * GETs in parallel, the same files the model preview reads; a run whose files expired is read from
 * its `all` ranking pages instead. Cached per run: a run's partners never change.
 */
export class RankingSource {
  private readonly cache = new Map<string, Promise<RankedPartner[]>>();

  constructor(private readonly deps: RankingSourceDeps) {}

  /** The current run's ranking; `null` before the first run. */
  async current(): Promise<CurrentRanking | null> {
    const current = await this.deps.runs.getCurrent();
    if (!current) return null;
    const [partners, model] = await Promise.all([
      this.partnersOf(current.runId),
      this.deps.models.getVersion(current.modelVersion),
    ]);
    const tierOrder = [...(model?.tiers ?? [])]
      .sort((a, b) => a.minScore - b.minScore)
      .map((tier) => tier.name);
    return { runId: current.runId, partners, tierOrder };
  }

  /** A run's partners (cached). */
  partnersOf(runId: string): Promise<RankedPartner[]> {
    let loaded = this.cache.get(runId);
    if (!loaded) {
      loaded = this.load(runId);
      loaded.catch(() => this.cache.delete(runId));
      this.cache.set(runId, loaded);
      while (this.cache.size > CACHED_RUNS) this.cache.delete(this.cache.keys().next().value as string);
    }
    return loaded;
  }

  private async load(runId: string): Promise<RankedPartner[]> {
    const parts = await Promise.all(
      Array.from({ length: PARTNER_SHARDS }, (_, shard) =>
        Promise.all([
          this.deps.files.get(runFileKeys.snapshot(runId, shard)),
          this.deps.files.get(runFileKeys.places(runId, shard)),
        ]),
      ),
    );
    if (parts.some(([snapshot, places]) => !snapshot || !places)) return this.fromPages(runId);
    const partners: RankedPartner[] = [];
    for (const [snapshotData, placesData] of parts) {
      const snapshot = decodeColumnFile<{
        ids: string[];
        regions: (string | null)[];
        types: (string | null)[];
      }>(snapshotData as Uint8Array);
      const places = decodeColumnFile<{ ids: string[]; tiers: string[] }>(placesData as Uint8Array);
      const region = snapshot.columns.region as Uint32Array;
      const type = snapshot.columns.type as Uint32Array;
      const tier = places.columns.tier as Uint32Array;
      const score = places.columns.score as Float64Array;
      const ids = snapshot.meta.ids;
      if (places.meta.ids.length !== ids.length) return this.fromPages(runId);
      for (let i = 0; i < ids.length; i++) {
        const regionCode = region[i] as number;
        const typeCode = type[i] as number;
        const tierCode = tier[i] as number;
        const value = score[i] as number;
        partners.push({
          id: ids[i] as string,
          region: regionCode === NONE ? null : (snapshot.meta.regions[regionCode] ?? null),
          type: typeCode === NONE ? null : (snapshot.meta.types[typeCode] ?? null),
          tier: tierCode === NONE ? null : (places.meta.tiers[tierCode] ?? null),
          score: Number.isFinite(value) ? value : null,
        });
      }
    }
    return partners;
  }

  private async fromPages(runId: string): Promise<RankedPartner[]> {
    const partners: RankedPartner[] = [];
    for await (const page of this.deps.rankings.readList(runId, lists.all)) {
      for (const entry of page.entries) {
        partners.push({
          id: entry.id,
          region: entry.region,
          type: entry.type,
          tier: entry.tier,
          score: entry.score,
        });
      }
    }
    return partners;
  }
}
