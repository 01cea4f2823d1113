import type { CurrentPreview, PreviewMover } from '../api/models.schema.ts';
import { ValidationError } from '../errors.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { type PartnerColumns, projectColumns, type ScorablePartner, toColumns } from './columns.ts';
import { type PopulationScores, scorePopulation } from './score-population.ts';
import { type ScoringThreadsOptions, scorePopulationThreaded } from './score-threaded.ts';
import { largestNumbers } from './sort-keys.ts';

/** A preview's answer before it says what it was computed from (`CurrentPreview` adds that). */
export type ModelPreview = Omit<CurrentPreview, 'basis'>;

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
 * largest rank move first (then by candidate rank), at most `limit`. Stores nothing. Columns should
 * hold the metrics of both models (a metric they lack counts as missing for everyone).
 *
 * Storable weights and values (below 1e126 in magnitude) always give finite scores; should a score
 * still overflow (values beyond that range), it throws a {@link ValidationError} at `/metrics`
 * naming the partner, rather than reporting a score that JSON would turn into `null`.
 */
export function previewModel(
  partners: PartnerColumns | Iterable<ScorablePartner>,
  active: ScoringModel,
  candidate: ScoringModel,
  options: PreviewOptions,
): ModelPreview {
  // Records are read once for the metrics of both models, so each model finds its own.
  const columns = isColumns(partners) ? partners : toColumns(unionOf(active, candidate), partners);
  const scoring = { runTimeMs: options.runTimeMs, previousTiers: options.currentTiers };
  const before = scorePopulation(active, projectColumns(columns, active), scoring);
  const after = scorePopulation(candidate, projectColumns(columns, candidate), scoring);
  return compareScores(columns, active, candidate, before, after, options.limit);
}

/**
 * {@link previewModel} with each model scored by `scorePopulationThreaded` (worker threads for a
 * large population): the same answer.
 */
export async function previewModelThreaded(
  columns: PartnerColumns,
  active: ScoringModel,
  candidate: ScoringModel,
  options: PreviewOptions,
  threading: ScoringThreadsOptions = {},
): Promise<ModelPreview> {
  const scoring = { runTimeMs: options.runTimeMs, previousTiers: options.currentTiers };
  const before = await scorePopulationThreaded(active, projectColumns(columns, active), scoring, threading);
  const after = await scorePopulationThreaded(
    candidate,
    projectColumns(columns, candidate),
    scoring,
    threading,
  );
  return compareScores(columns, active, candidate, before, after, options.limit);
}

/** The movers between the active model's scores and the candidate's, largest rank move first. */
function compareScores(
  columns: PartnerColumns,
  active: ScoringModel,
  candidate: ScoringModel,
  before: PopulationScores,
  after: PopulationScores,
  limitOption: number | undefined,
): ModelPreview {
  const n = columns.ids.length;
  const overflow = after.scores.findIndex((score) => !Number.isFinite(score));
  if (overflow >= 0) {
    throw new ValidationError([
      {
        path: '/metrics',
        message: `scores partner ${columns.ids[overflow]} at ${after.scores[overflow]}: lower the weights or normalise the metrics (minmax, log, zscore or percentile)`,
      },
    ]);
  }
  const tierName = (model: ScoringModel, index: number) => model.tiers[index]?.name ?? null;
  // One sortable number per changed partner: rank move, then candidate rank ascending. Candidate
  // ranks are a permutation, so the key also identifies the partner (exact below 2^53).
  const keys = new Float64Array(n);
  let changed = 0;
  let tierChanges = 0;
  for (let i = 0; i < n; i++) {
    const tierMoved =
      tierName(active, before.tierIndex[i] as number) !== tierName(candidate, after.tierIndex[i] as number);
    if (tierMoved) tierChanges++;
    const rank = before.ranks[i] as number;
    const previewRank = after.ranks[i] as number;
    if (tierMoved || rank !== previewRank)
      keys[changed++] = Math.abs(rank - previewRank) * (n + 1) + (n - previewRank);
  }
  const movers: PreviewMover[] = [];
  for (const key of largestNumbers(keys.subarray(0, changed), limitOption ?? 100)) {
    const previewRank = n - (key % (n + 1));
    const i = after.order[previewRank - 1] as number;
    movers.push({
      id: columns.ids[i] as string,
      rank: before.ranks[i] as number,
      previewRank,
      score: before.scores[i] as number,
      previewScore: after.scores[i] as number,
      tier: tierName(active, before.tierIndex[i] as number),
      previewTier: tierName(candidate, after.tierIndex[i] as number),
    });
  }
  return { partners: n, moved: changed, tierChanges, movers };
}

function unionOf(a: ScoringModel, b: ScoringModel): ScoringModel {
  const known = new Set(a.metrics.map((metric) => normalizeName(metric.name)));
  return {
    ...a,
    metrics: [...a.metrics, ...b.metrics.filter((metric) => !known.has(normalizeName(metric.name)))],
  };
}

function isColumns(partners: PartnerColumns | Iterable<ScorablePartner>): partners is PartnerColumns {
  return 'asOfMs' in partners && 'values' in partners;
}
