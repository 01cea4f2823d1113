import type { PartnerScore, PartnerView } from '../api/partners.schema.ts';
import { NotFoundError } from '../errors.ts';
import { etagOf, matchesEtag, type NotModified } from '../etag.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import type { ModelStore, PartnerRecord, PartnerStore, RunStore } from '../ports.ts';
import { estimatePercentile, explainFromNormalized, provisionalScore } from '../scoring/explain.ts';

export interface PartnerScoreDeps {
  partners: Pick<PartnerStore, 'get'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: Pick<RunStore, 'getCurrent' | 'getScoreRecord' | 'getStatistics'>;
  now: () => number;
}

/** How long a provisional score with decay (`halfLifeDays`) is the same answer, for its ETag. */
const DECAY_ETAG_MS = 60_000;

/**
 * A partner with its score: exact from the current run's score record (its stored normalised values
 * give the breakdown the run computed), or provisional against the run's statistics when the
 * partner changed after the run, has no record in it, or the model changed since. `value` is null
 * before any run. Throws {@link NotFoundError} for an unknown partner.
 *
 * The ETag comes from what the first three reads give (the partner's `updatedAt`, the model version,
 * the current run; the minute too when the model decays values, as a provisional score then moves
 * with time): with `ifNoneMatch` naming it, nothing more is read and {@link NotModified} returned.
 */
export async function readPartner(
  deps: PartnerScoreDeps,
  id: string,
  ifNoneMatch?: string,
): Promise<{ view: PartnerView; etag: string } | NotModified> {
  const [partner, active, current] = await Promise.all([
    deps.partners.get(id),
    deps.models.getActive(),
    deps.runs.getCurrent(),
  ]);
  if (!partner) throw new NotFoundError(`No partner with id ${JSON.stringify(id)}.`);
  const decays = active.model.metrics.some((metric) => metric.halfLifeDays !== null);
  const etag = etagOf([
    partner.id,
    partner.updatedAt,
    active.version,
    current?.runId ?? null,
    decays ? Math.floor(deps.now() / DECAY_ETAG_MS) : null,
  ]);
  if (matchesEtag(ifNoneMatch, etag)) return { notModified: true, etag };
  return { view: await scoreView(deps, partner, active, current), etag };
}

/**
 * A stored partner with its score against the active model and the current run (the second half
 * of {@link readPartner}, for callers that already read those three).
 */
export async function scoreView(
  deps: PartnerScoreDeps,
  partner: PartnerRecord,
  active: Awaited<ReturnType<ModelStore['getActive']>>,
  current: Awaited<ReturnType<RunStore['getCurrent']>>,
): Promise<PartnerView> {
  const id = partner.id;
  const model = active.model;
  const view = {
    id: partner.id,
    name: partner.name,
    type: partner.type,
    region: partner.region,
    metrics: namedMetrics(model, partner),
    asOf: partner.asOf,
  };
  if (!current) return { ...view, score: noScore(active.version) };

  const record = await deps.runs.getScoreRecord(id, current.scoredAt, current.runId);
  const exact = record && current.modelVersion === active.version && partner.updatedAt <= current.scoredAt;
  if (exact) {
    const normalized = model.metrics.map((metric) => record.normalized[metric.name] ?? null);
    const explanation = explainFromNormalized(model, partner, normalized, record.tier);
    return {
      ...view,
      score: {
        ...explanation,
        value: record.score,
        rank: record.rank,
        percentile: record.percentile,
        provisional: false,
        modelVersion: current.modelVersion,
        runId: current.runId,
      },
    };
  }
  const stats = await deps.runs.getStatistics(current.runId);
  if (!stats) return { ...view, score: noScore(active.version) };
  const explanation = provisionalScore(model, stats, partner, deps.now(), record?.tier ?? null);
  return {
    ...view,
    score: {
      ...explanation,
      rank: record?.rank ?? null,
      percentile: explanation.value === null ? null : estimatePercentile(stats, explanation.value),
      provisional: true,
      modelVersion: active.version,
      runId: current.runId,
    },
  };
}

function namedMetrics(model: ScoringModel, partner: PartnerRecord): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const metric of model.metrics) {
    const value = partner.metrics[normalizeName(metric.name)];
    if (value !== undefined) metrics[metric.name] = value;
  }
  return metrics;
}

function noScore(modelVersion: number): PartnerScore {
  return {
    value: null,
    tier: null,
    rank: null,
    percentile: null,
    provisional: false,
    modelVersion,
    runId: null,
    coverage: null,
    nextTier: null,
    breakdown: [],
    groups: null,
  };
}
