import * as z from 'zod/mini';
import type { Scorecard, ScorecardHistoryItem, ScorecardMetric } from '../api/portal.schema.ts';
import { NotFoundError } from '../errors.ts';
import type { ScoringModel } from '../model/scoring-model.ts';
import type { CurrentRunPointer, CursorSigner, ModelStore, PartnerStore, RunStore } from '../ports.ts';
import { openFields, signFields } from '../ranking/cursor.ts';
import { type PartnerScoreDeps, scoreView } from '../ranking/partner-score.ts';

/** Fewest partners in a run for a percentile band to be shown: below, a band is nearly a rank. */
export const MIN_BAND_PARTNERS = 20;
const BANDS = [10, 25, 50] as const;

/**
 * The band of a percentile (100·(L + E/2)/N): `top 10%`, `top 25%`, `top 50%` or `bottom 50%`;
 * null without a percentile or when the run scored fewer than {@link MIN_BAND_PARTNERS} partners.
 */
export function percentileBand(percentile: number | null, partners: number | null): string | null {
  if (percentile === null || partners === null || partners < MIN_BAND_PARTNERS) return null;
  const above = 100 - percentile;
  for (const band of BANDS) if (above <= band) return `top ${band}%`;
  return 'bottom 50%';
}

// Rounding to tenths with a guard against binary noise (59.99999999 is 60.0, not 59.9).
const EPSILON = 1e-9;
const nearest = (x: number) => Math.round(x * 10) / 10;
const down = (x: number) => Math.floor(x * 10 + EPSILON) / 10;
const up = (x: number) => Math.ceil(x * 10 - EPSILON) / 10;

export interface ScorecardDeps extends PartnerScoreDeps {
  partners: Pick<PartnerStore, 'get'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: PartnerScoreDeps['runs'] & Pick<RunStore, 'getStatistics' | 'history' | 'getRun'>;
}

/**
 * `GET /me/scorecard` for `partnerId` (from the caller's membership only). Reads the partner, the
 * active model (cached by the store), the current run pointer and the partner's score record; the
 * run's statistics (for the band's partner count) are cached per run by the store.
 */
export async function readScorecard(deps: ScorecardDeps, partnerId: string): Promise<Scorecard> {
  const [active, current] = await Promise.all([deps.models.getActive(), currentRun(deps.runs)]);
  // The partner and its score record of the current run in one round trip.
  const record = current ? deps.runs.getScoreRecord(partnerId, current.scoredAt, current.runId) : null;
  const [partner] = await Promise.all([deps.partners.get(partnerId), record]);
  if (!partner) {
    throw new NotFoundError('Your partner has no data in the service yet; the channel team loads it.');
  }
  const runs = { ...deps.runs, getScoreRecord: async () => (record ? await record : null) };
  const view = await scoreView({ ...deps, runs }, partner, active, current);
  const score = view.score;
  const model = active.model;
  const stats = current && score.value !== null ? await deps.runs.getStatistics(current.runId) : null;
  const metrics = scorecardMetrics(model, score.breakdown);
  const workOn = metrics
    .filter((metric) => metric.maxPoints !== null && metric.maxPoints - metric.points >= 0.1 - EPSILON)
    .map((metric) => ({
      metric: metric.metric,
      pointsAvailable: nearest((metric.maxPoints ?? 0) - metric.points),
    }))
    .sort((a, b) => b.pointsAvailable - a.pointsAvailable || a.metric.localeCompare(b.metric));
  return {
    partnerId: partner.id,
    name: partner.name,
    tier: score.tier,
    score: score.value === null ? null : down(score.value),
    runId: score.runId,
    scoredAt: current?.scoredAt ?? null,
    modelVersion: score.modelVersion,
    provisional: score.provisional,
    percentileBand: percentileBand(score.percentile, stats?.partners ?? null),
    nextTier: score.nextTier && { name: score.nextTier.name, pointsNeeded: up(score.nextTier.pointsNeeded) },
    marginToDemotion: marginToDemotion(model, score.tier, score.value),
    metrics,
    workOn,
    dataAsOf: partner.asOf,
  };
}

/** How long a container reuses the current-run pointer for scorecards (as the model store caches the model). */
export const CURRENT_RUN_CACHE_MS = 5000;
const currentRuns = new WeakMap<object, { value: Promise<CurrentRunPointer | null>; until: number }>();

/**
 * The current run pointer, kept for {@link CURRENT_RUN_CACHE_MS}: a scorecard may show the previous
 * run for a few seconds after a switch, and saves a read and a round trip on every other request.
 */
function currentRun(runs: Pick<RunStore, 'getCurrent'>): Promise<CurrentRunPointer | null> {
  const cached = currentRuns.get(runs);
  if (cached && cached.until > Date.now()) return cached.value;
  const value = runs.getCurrent();
  currentRuns.set(runs, { value, until: Date.now() + CURRENT_RUN_CACHE_MS });
  value.catch(() => currentRuns.delete(runs));
  return value;
}

/** score − (held tier's minScore − tierHysteresis), floored to 0.1; null without a tier or score. */
export function marginToDemotion(
  model: ScoringModel,
  tier: string | null,
  score: number | null,
): number | null {
  const held = model.tiers.find((candidate) => candidate.name === tier);
  if (!held || score === null) return null;
  return down(score - (held.minScore - model.tierHysteresis));
}

/**
 * Per metric the partner's points and the most it could get: weight × the rescale of dropped
 * metrics (contract §5 step 6), as a normalised value is at most 1; unbounded for `none`.
 */
function scorecardMetrics(
  model: ScoringModel,
  breakdown: readonly {
    metric: string;
    group: string;
    raw: number | null;
    normalized: number | null;
    contribution: number;
  }[],
): ScorecardMetric[] {
  if (breakdown.length === 0) {
    return model.metrics.map((metric) => ({
      metric: metric.name,
      group: metric.group,
      value: null,
      points: 0,
      maxPoints: null,
    }));
  }
  const byName = new Map(model.metrics.map((metric) => [metric.name, metric]));
  let total = 0;
  let kept = 0;
  for (const item of breakdown) {
    const weight = byName.get(item.metric)?.weight ?? 0;
    total += weight;
    if (item.normalized !== null) kept += weight;
  }
  const scale = kept > 0 ? total / kept : 0;
  return breakdown.map((item) => {
    const spec = byName.get(item.metric);
    const bounded = spec !== undefined && spec.normalization !== 'none';
    return {
      metric: item.metric,
      group: item.group,
      value: item.raw,
      points: nearest(item.contribution),
      maxPoints: !bounded ? null : item.normalized === null ? 0 : nearest((spec?.weight ?? 0) * scale),
    };
  });
}

export interface ScorecardHistoryDeps {
  runs: Pick<RunStore, 'history' | 'getRun'>;
  signer: CursorSigner;
}

/** Most history items one page returns. */
export const MAX_HISTORY_LIMIT = 100;

const historyCursorSchema = z.tuple([z.literal('h1'), z.string(), z.string()]);

/** Partners per completed run: a completed run's record never changes, so a container keeps them. */
const runSizes = new Map<string, number | null>();
const RUN_SIZES_KEPT = 1000;

/**
 * `GET /me/scorecard/history` for `partnerId`: newest first, paged. The cursor holds only a position
 * (the last record's run); the partner always comes from the caller, so a cursor made for another
 * partner pages through the caller's own history.
 */
export async function readScorecardHistory(
  deps: ScorecardHistoryDeps,
  partnerId: string,
  limit: number,
  cursor?: string,
): Promise<{ items: ScorecardHistoryItem[]; nextCursor: string | null }> {
  const before = cursor
    ? await openFields(deps.signer, cursor, historyCursorSchema).then(([, scoredAt, runId]) => ({
        scoredAt,
        runId,
      }))
    : undefined;
  const records = await deps.runs.history(partnerId, limit + 1, before ? { before } : {});
  const page = records.slice(0, limit);
  const sizes = await Promise.all(page.map((record) => runSize(deps.runs, record.runId)));
  const items = page.map((record, index) => ({
    runId: record.runId,
    scoredAt: record.scoredAt,
    score: down(record.score),
    tier: record.tier,
    percentileBand: percentileBand(record.percentile, sizes[index] ?? null),
  }));
  const last = page.at(-1);
  const nextCursor =
    records.length > limit && last ? await signFields(deps.signer, ['h1', last.scoredAt, last.runId]) : null;
  return { items, nextCursor };
}

async function runSize(runs: Pick<RunStore, 'getRun'>, runId: string): Promise<number | null> {
  if (runSizes.has(runId)) return runSizes.get(runId) ?? null;
  const run = await runs.getRun(runId);
  const size = run?.status === 'completed' ? run.partners : null;
  if (run?.status === 'completed') {
    if (runSizes.size >= RUN_SIZES_KEPT) runSizes.clear();
    runSizes.set(runId, size);
  }
  return size;
}
