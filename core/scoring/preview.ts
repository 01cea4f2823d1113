import type { ScoringModel } from '../model/scoring-model.ts';
import { type PartnerColumns, projectColumns, type ScorablePartner, toColumns } from './columns.ts';
import { scorePopulation } from './score-population.ts';

/** A partner whose rank or tier differs between the active and the candidate model. */
export interface PreviewMover {
  id: string;
  rank: number;
  previewRank: number;
  score: number;
  previewScore: number;
  tier: string | null;
  previewTier: string | null;
}

export interface ModelPreview {
  partners: number;
  /** Partners whose tier under the candidate differs from their tier under the active model. */
  tierChanges: number;
  movers: PreviewMover[];
}

export interface PreviewOptions {
  /** Time the preview scores at (decay), epoch ms. */
  runTimeMs: number;
  /** Each partner's tier in the current run (aligned with the partners), for hysteresis under both models. */
  currentTiers: ReadonlyArray<string | null | undefined>;
  /** Most movers returned (default 100). */
  limit?: number;
}

/**
 * Dry run of a candidate model (`POST /model/preview`): scores the population under both models,
 * hysteresis against the current tiers for both, and lists every partner whose rank or tier changes,
 * largest rank move first (then by candidate rank), at most `limit`. Stores nothing.
 */
export function previewModel(
  partners: PartnerColumns | Iterable<ScorablePartner>,
  active: ScoringModel,
  candidate: ScoringModel,
  options: PreviewOptions,
): ModelPreview {
  const columns = isColumns(partners) ? partners : toColumns(active, partners);
  const scoring = { runTimeMs: options.runTimeMs, previousTiers: options.currentTiers };
  const before = scorePopulation(active, projectColumns(columns, active), scoring);
  const after = scorePopulation(candidate, projectColumns(columns, candidate), scoring);
  const n = columns.ids.length;
  const changed: number[] = [];
  let tierChanges = 0;
  for (let i = 0; i < n; i++) {
    const tier = active.tiers[before.tierIndex[i] as number]?.name ?? null;
    const previewTier = candidate.tiers[after.tierIndex[i] as number]?.name ?? null;
    if (tier !== previewTier) tierChanges++;
    if (tier !== previewTier || before.ranks[i] !== after.ranks[i]) changed.push(i);
  }
  const move = (i: number) => Math.abs((before.ranks[i] as number) - (after.ranks[i] as number));
  changed.sort((a, b) => move(b) - move(a) || (after.ranks[a] as number) - (after.ranks[b] as number));
  const movers = changed.slice(0, options.limit ?? 100).map((i) => ({
    id: columns.ids[i] as string,
    rank: before.ranks[i] as number,
    previewRank: after.ranks[i] as number,
    score: before.scores[i] as number,
    previewScore: after.scores[i] as number,
    tier: active.tiers[before.tierIndex[i] as number]?.name ?? null,
    previewTier: candidate.tiers[after.tierIndex[i] as number]?.name ?? null,
  }));
  return { partners: n, tierChanges, movers };
}

function isColumns(partners: PartnerColumns | Iterable<ScorablePartner>): partners is PartnerColumns {
  return 'asOfMs' in partners && 'values' in partners;
}
