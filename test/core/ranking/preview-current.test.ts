import { describe, expect, it } from 'vitest';
import type { RankingEntry } from '#core/api/rankings.schema.ts';
import { PARTNER_SHARDS, partnerShard } from '#core/keys.ts';
import { parseScoringModel } from '#core/model/scoring-model.ts';
import type { PartnerRecord, RankingPage } from '#core/ports.ts';
import { type PreviewDeps, previewCandidate } from '#core/ranking/preview-current.ts';
import { encodeColumnFile, runFileKeys } from '#core/runs/run-files.ts';

const TIERS = [
  { name: 'Platinum', minScore: 80 },
  { name: 'Gold', minScore: 60 },
  { name: 'Bronze', minScore: 0 },
];
const model = (direction: 'higher' | 'lower') =>
  parseScoringModel({
    metrics: [{ name: 'sales', group: 'business', weight: 100, normalization: 'minmax', direction }],
    tiers: TIERS,
    tierHysteresis: 2,
  });
const ACTIVE = model('higher');
const CANDIDATE = model('lower');
const RUN = 'run-1';
const asOf = '2026-11-01T00:00:00.000Z';
// `edge` scores 79 under the active model: Gold, unless its current tier is Platinum (hysteresis 2).
const partners: PartnerRecord[] = [
  { id: 'low', sales: 0 },
  { id: 'edge', sales: 79 },
  { id: 'top', sales: 100 },
].map(({ id, sales }) => ({
  id,
  name: id,
  type: null,
  region: null,
  metrics: { sales },
  asOf,
  updatedAt: asOf,
}));
const currentTiers: Record<string, string> = { low: 'Bronze', edge: 'Platinum', top: 'Platinum' };
const currentRanks: Record<string, number> = { top: 1, edge: 2, low: 3 };

/** The current run's places files, as the run writes them: one per shard, empty shards too. */
function placesFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (let shard = 0; shard < PARTNER_SHARDS; shard++) {
    const ids = partners.map((p) => p.id).filter((id) => partnerShard(id) === shard);
    const tiers = [...new Set(ids.map((id) => currentTiers[id] as string))];
    files.set(
      runFileKeys.places(RUN, shard),
      encodeColumnFile({
        meta: { ids, tiers },
        columns: {
          tier: Uint32Array.from(ids, (id) => tiers.indexOf(currentTiers[id] as string)),
          rank: Uint32Array.from(ids, (id) => currentRanks[id] as number),
          score: Float64Array.from(ids, () => 0),
        },
      }),
    );
  }
  return files;
}

function deps(options: { files: Map<string, Uint8Array>; current: boolean; pages: RankingPage[] | null }) {
  const listReads: string[] = [];
  const fileReads: string[] = [];
  const value: PreviewDeps = {
    partners: {
      async *readScorable(shard) {
        yield partners.filter((p) => partnerShard(p.id) === shard);
      },
      changedSince: async () => [],
      readScorableByIds: async () => [],
    },
    models: { getActive: async () => ({ version: 1, model: ACTIVE, activatedAt: asOf }) },
    runs: {
      getCurrent: async () => (options.current ? { runId: RUN, modelVersion: 1, scoredAt: asOf } : null),
    },
    rankings: {
      async *readList(runId, list) {
        listReads.push(`${runId}/${list}`);
        if (!options.pages) throw new Error('the ranking pages are not to be read while places files exist');
        yield* options.pages;
      },
    },
    files: {
      get: async (key) => {
        fileReads.push(key);
        return options.files.get(key) ?? null;
      },
    },
    now: () => Date.parse('2026-11-30T00:00:00.000Z'),
  };
  return { value, listReads, fileReads };
}

const edgeOf = (preview: Awaited<ReturnType<typeof previewCandidate>>) =>
  preview.movers.find((mover) => mover.id === 'edge');

describe('previewCandidate: hysteresis against the current run', () => {
  it("reads the current run's tiers from its places files, one per shard, and no ranking page", async () => {
    const d = deps({ files: placesFiles(), current: true, pages: null });
    const preview = await previewCandidate(d.value, CANDIDATE, 10);
    expect(preview.partners).toBe(3);
    // Platinum kept under the active model by hysteresis; Bronze under the candidate (score 21).
    expect(edgeOf(preview)).toMatchObject({ tier: 'Platinum', previewTier: 'Bronze', score: 79 });
    // No snapshot parts here: the partners come from the store, the tiers from the places files.
    expect(preview.basis).toEqual({ source: 'partners', runId: RUN, changedPartners: null });
    expect([...new Set(d.fileReads)].sort()).toEqual(
      Array.from({ length: PARTNER_SHARDS }, (_, shard) => [
        runFileKeys.places(RUN, shard),
        runFileKeys.snapshot(RUN, shard),
      ])
        .flat()
        .sort(),
    );
    expect(d.listReads).toEqual([]);
  });

  it("falls back to the run's `all` pages when a places file is gone, with the same answer", async () => {
    const files = placesFiles();
    files.delete(runFileKeys.places(RUN, partnerShard('edge')));
    const entries: RankingEntry[] = partners.map((p) => ({
      rank: currentRanks[p.id] as number,
      id: p.id,
      name: p.id,
      score: 0,
      tier: currentTiers[p.id] as string,
      previousRank: null,
      region: null,
      type: null,
      coverage: 1,
    }));
    const d = deps({ files, current: true, pages: [{ page: 1, entries }] });
    const fromPages = await previewCandidate(d.value, CANDIDATE, 10);
    expect(d.listReads).toEqual([`${RUN}/all`]);
    const fromFiles = await previewCandidate(
      deps({ files: placesFiles(), current: true, pages: null }).value,
      CANDIDATE,
      10,
    );
    expect(fromPages).toEqual(fromFiles);
  });

  it('scores without hysteresis before the first run', async () => {
    const d = deps({ files: new Map(), current: false, pages: null });
    const preview = await previewCandidate(d.value, CANDIDATE, 10);
    expect(edgeOf(preview)).toMatchObject({ tier: 'Gold' });
    expect(preview.basis).toEqual({ source: 'partners', runId: null, changedPartners: null });
    expect(d.fileReads).toEqual([]);
  });
});
