import type { PartnerScore } from '../api/partners.schema.ts';
import type { MetricSpec, ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import { decayAndCap, logValue } from './metric-values.ts';
import { normalCdf } from './normal-cdf.ts';
import { midRankFraction } from './quantile-sketch.ts';
import type { MetricStatistics, RunStatistics } from './score-population.ts';
import { assignTier, nextTierOf } from './tiers.ts';

/**
 * A partner's score with everything needed to explain it: the `score` object of `GET /partners/{id}`
 * as one computation gives it, before the partner's rank, percentile and run are added (so coverage
 * and groups are always known here).
 */
export type ScoreExplanation = Pick<PartnerScore, 'value' | 'tier' | 'nextTier' | 'breakdown'> & {
  /** Σ(weights of metrics present) / Σ(all weights). */
  coverage: number;
  groups: NonNullable<PartnerScore['groups']>;
};

/** What explaining a partner reads: its stored metrics (keys matched through `normalizeName`) and `asOf`. */
export interface ExplainablePartner {
  metrics: Record<string, number>;
  asOf: string;
}

/**
 * Exact explanation from a run's stored per-metric normalized values (model order, null = dropped)
 * for one partner: the contributions and their sum are computed exactly as the run computed them.
 */
export function explainFromNormalized(
  model: ScoringModel,
  partner: ExplainablePartner,
  normalized: ReadonlyArray<number | null>,
  tier: string | null,
): ScoreExplanation {
  const { value, breakdown, coverage, groups } = combine(model, partner, normalized);
  return { value, tier, coverage, nextTier: nextTierOf(model, tier, value), breakdown, groups };
}

/**
 * Provisional score of one partner against a run's statistics (between runs): its values decayed to
 * `nowMs`, normalised against the run's population (min/max, mean/σ, the percentile sketch; min-max
 * results clamped to [0, 1] since the partner may lie outside the run's range), tier with hysteresis.
 */
export function provisionalScore(
  model: ScoringModel,
  stats: RunStatistics,
  partner: ExplainablePartner,
  nowMs: number,
  previousTier: string | null,
): ScoreExplanation {
  const values = rawValues(model, partner);
  const asOfMs = Date.parse(partner.asOf);
  const statsByName = new Map(stats.metrics.map((s) => [s.metric, s]));
  const normalized = model.metrics.map((metric, j) => {
    const raw = values[j];
    if (raw === null || raw === undefined) return missingValue(metric);
    const x = decayAndCap(metric, raw, asOfMs, nowMs);
    const n = normalizeAgainst(metric, statsByName.get(normalizeName(metric.name)), x);
    if (metric.direction === 'higher') return n;
    return metric.normalization === 'none' ? -n : 1 - n;
  });
  const { value, breakdown, coverage, groups } = combine(model, partner, normalized);
  const tier = assignTier(model, value, previousTier);
  return { value, tier, coverage, nextTier: nextTierOf(model, tier, value), breakdown, groups };
}

/** Approximate percentile (100·(L + E/2)/N) of a score among a run's scores, from its sketch. */
export function estimatePercentile(stats: RunStatistics, score: number): number {
  return 100 * midRankFraction(stats.scoreSketch, stats.partners, score);
}

function missingValue(metric: MetricSpec): number | null {
  return metric.missing === 'zero' ? 0 : metric.missing === 'neutral' ? 0.5 : null;
}

function normalizeAgainst(metric: MetricSpec, stats: MetricStatistics | undefined, x: number): number {
  if (metric.normalization === 'none') return x;
  // A metric the run did not know has no population yet: this value alone, which normalises to 0.5.
  if (stats === undefined || stats.count === 0) return 0.5;
  switch (metric.normalization) {
    case 'minmax':
      return clampedMinMax(x, stats.min, stats.max);
    case 'log':
      return clampedMinMax(logValue(x), stats.logMin, stats.logMax);
    case 'zscore':
      return stats.std > 0 ? normalCdf((x - stats.mean) / stats.std) : 0.5;
    case 'percentile':
      return midRankFraction(stats.sketch, stats.count, x);
  }
}

function clampedMinMax(x: number, min: number, max: number): number {
  if (!(max > min)) return 0.5;
  const n = (x - min) / (max - min);
  return n < 0 ? 0 : Math.min(n, 1);
}

/** The partner's stored value of each model metric, in model order (null = none). */
function rawValues(model: ScoringModel, partner: ExplainablePartner): (number | null)[] {
  const byName = new Map<string, number>();
  for (const [key, value] of Object.entries(partner.metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) byName.set(normalizeName(key), value);
  }
  return model.metrics.map((metric) => byName.get(normalizeName(metric.name)) ?? null);
}

/** Step 6 for one partner, summing contributions in model order like `scorePopulation` does. */
function combine(model: ScoringModel, partner: ExplainablePartner, normalized: ReadonlyArray<number | null>) {
  const raws = rawValues(model, partner);
  let total = 0;
  let kept = 0;
  let present = 0;
  let dropped = false;
  model.metrics.forEach((metric, j) => {
    total += metric.weight;
    const n = normalized[j];
    if (n === null || n === undefined || Number.isNaN(n)) dropped = true;
    else kept += metric.weight;
    if (raws[j] !== null) present += metric.weight;
  });
  const scale = dropped ? (kept > 0 ? total / kept : 0) : 1;
  const groups = { business: 0, relationship: 0 };
  let value = 0;
  const breakdown = model.metrics.map((metric, j) => {
    const stored = normalized[j];
    const n = stored === null || stored === undefined || Number.isNaN(stored) ? null : stored;
    const contribution = n === null ? 0 : dropped ? metric.weight * n * scale : metric.weight * n;
    value += contribution;
    groups[metric.group] += contribution;
    return {
      metric: metric.name,
      group: metric.group,
      raw: raws[j] ?? null,
      normalized: n,
      weight: metric.weight,
      contribution,
    };
  });
  const presentCount = raws.filter((raw) => raw !== null).length;
  const coverage = total > 0 ? present / total : presentCount / model.metrics.length;
  return { value, breakdown, coverage, groups };
}
