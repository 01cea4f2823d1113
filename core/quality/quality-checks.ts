import type * as z from 'zod/mini';
import { type QualityCheck, type QualityFailure, qualityCheckNameSchema } from '../api/quality.schema.ts';
import { normalizeName } from '../names.ts';

/** Failing partners per stored page (the quality step writes them so, `GET …/failures` reads them so). */
export const FAILURES_PAGE_SIZE = 500;

/** The checks, in report order. */
export const QUALITY_CHECKS = qualityCheckNameSchema.options;
export type QualityCheckName = z.infer<typeof qualityCheckNameSchema>;
export type QualityStatus = 'pass' | 'warn' | 'fail';

/** Completeness below this share of partners fails (Great Expectations' `mostly`). */
export const COMPLETENESS_THRESHOLD = 0.9;
/** Modified z-score above this is an outlier (Iglewicz and Hoaglin). */
export const OUTLIER_THRESHOLD = 3.5;
/** A median that moved by more than this share against the previous run has drifted. */
export const DRIFT_THRESHOLD = 0.5;
/** Most failing partners listed per check and metric (the count is always exact). */
export const MAX_LISTED_FAILURES = 100_000;
/** Mean absolute deviation × this estimates σ like MAD / 0.6745 does (used when MAD is 0). */
const MEAN_AD_FACTOR = 1.253314;
const DAY_MS = 86_400_000;

/** What the checks read: the run's snapshot, as columns (NaN = no value). */
export interface QualityInput {
  ids: readonly string[];
  names: readonly string[];
  asOfMs: Float64Array;
  /** Metric names as the model spells them, one column each. */
  metrics: readonly string[];
  values: readonly Float64Array[];
  runTimeMs: number;
  staleWarnDays: number;
  staleErrorDays: number;
  /** Each metric's median in the previous run (by model name), when it had a report. */
  previousMedians: Record<string, number | null> | null;
}

export interface QualityResult {
  status: QualityStatus;
  checks: QualityCheck[];
  medians: Record<string, number | null>;
  /** Listed failures per check and metric (one list for both freshness rows). */
  failures: { check: QualityCheckName; metric: string | null; items: QualityFailure[] }[];
}

/** The median of the values (sorted copy); null for none. */
export function median(values: Float64Array): number | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Modified z-scores 0.6745·|x − median| / MAD. When MAD is 0 (more than half the values equal),
 * the deviation is scaled by the mean absolute deviation × 1.253314 instead, so the values away from
 * that majority still stand out; when that is 0 too, every value is equal and every score is 0.
 */
export function modifiedZScores(values: Float64Array): Float64Array {
  const scores = new Float64Array(values.length);
  const center = median(values);
  if (center === null) return scores;
  const deviations = values.map((x) => Math.abs(x - center));
  const mad = median(deviations) as number;
  if (mad > 0) {
    for (let i = 0; i < values.length; i++) scores[i] = (0.6745 * (deviations[i] as number)) / mad;
    return scores;
  }
  let sum = 0;
  for (const d of deviations) sum += d;
  const meanAd = sum / values.length;
  if (meanAd > 0) {
    for (let i = 0; i < values.length; i++) scores[i] = (deviations[i] as number) / (MEAN_AD_FACTOR * meanAd);
  }
  return scores;
}

/**
 * The data-quality checks of a run (contract §3.2) over the values it already read: completeness
 * per metric, freshness, outliers per metric, duplicates by matched name, drift of each metric's
 * median. The overall status is the worst check's.
 */
export function runQualityChecks(input: QualityInput): QualityResult {
  const n = input.ids.length;
  const checks: QualityCheck[] = [];
  const failures: QualityResult['failures'] = [];
  const medians: Record<string, number | null> = {};
  const add = (
    check: Omit<QualityCheck, 'status' | 'listed'>,
    failed: boolean,
    listed: QualityFailure[] | null,
  ) => {
    const known = failures.some((f) => f.check === check.check && f.metric === check.metric);
    if (listed && !known) failures.push({ check: check.check, metric: check.metric, items: listed });
    checks.push({
      ...check,
      status: failed ? check.severity : 'pass',
      listed: listed ? Math.min(check.failing, MAX_LISTED_FAILURES) : 0,
    });
  };
  const list = (indices: Iterable<number>, value: (i: number) => number | string | null) => {
    const out: QualityFailure[] = [];
    for (const i of indices) {
      if (out.length === MAX_LISTED_FAILURES) break;
      out.push({ partnerId: input.ids[i] as string, name: input.names[i] as string, value: value(i) });
    }
    return out;
  };

  input.metrics.forEach((metric, j) => {
    const column = input.values[j] as Float64Array;
    const present: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < n; i++) (Number.isNaN(column[i]) ? missing : present).push(i);
    const share = n === 0 ? 1 : present.length / n;
    add(
      {
        check: 'completeness',
        metric,
        severity: 'fail',
        observed: share,
        threshold: COMPLETENESS_THRESHOLD,
        failing: missing.length,
      },
      share < COMPLETENESS_THRESHOLD,
      list(missing, () => null),
    );

    const values = Float64Array.from(present, (i) => column[i] as number);
    const scores = modifiedZScores(values);
    const outliers: number[] = [];
    scores.forEach((z, k) => {
      if (z > OUTLIER_THRESHOLD) outliers.push(present[k] as number);
    });
    add(
      {
        check: 'outliers',
        metric,
        severity: 'warn',
        observed: values.length === 0 ? 0 : outliers.length / values.length,
        threshold: OUTLIER_THRESHOLD,
        failing: outliers.length,
      },
      outliers.length > 0,
      list(outliers, (i) => column[i] as number),
    );

    const now = median(values);
    medians[metric] = now;
    const before = input.previousMedians?.[metric] ?? null;
    const change = driftOf(before, now);
    add(
      {
        check: 'drift',
        metric,
        severity: 'warn',
        observed: change,
        threshold: DRIFT_THRESHOLD,
        failing: 0,
      },
      change !== null && change > DRIFT_THRESHOLD,
      null,
    );
  });

  const ages = Float64Array.from(input.asOfMs, (asOf) => (input.runTimeMs - asOf) / DAY_MS);
  const stale = (days: number) => {
    const out: number[] = [];
    ages.forEach((age, i) => {
      if (age > days) out.push(i);
    });
    return out;
  };
  const oldest = n === 0 ? null : Math.floor(ages.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY));
  const warned = stale(input.staleWarnDays);
  const errored = stale(input.staleErrorDays);
  // One list for both rows: every partner past the warning age, with its age in days.
  const staleList = list(warned, (i) => Math.floor(ages[i] as number));
  add(
    {
      check: 'freshness',
      metric: null,
      severity: 'warn',
      observed: oldest,
      threshold: input.staleWarnDays,
      failing: warned.length,
    },
    warned.length > 0,
    staleList,
  );
  add(
    {
      check: 'freshness',
      metric: null,
      severity: 'fail',
      observed: oldest,
      threshold: input.staleErrorDays,
      failing: errored.length,
    },
    errored.length > 0,
    staleList,
  );

  const groups = new Map<string, number[]>();
  input.names.forEach((name, i) => {
    const key = normalizeName(name);
    // A name of no letters or digits matches nothing.
    if (key === '') return;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const duplicated: number[] = [];
  for (const group of groups.values()) if (group.length > 1) duplicated.push(...group);
  add(
    {
      check: 'duplicates',
      metric: null,
      severity: 'warn',
      observed: n === 0 ? 0 : duplicated.length / n,
      threshold: 0,
      failing: duplicated.length,
    },
    duplicated.length > 0,
    list(duplicated, (i) => normalizeName(input.names[i] as string)),
  );

  const status: QualityStatus = checks.some((c) => c.status === 'fail')
    ? 'fail'
    : checks.some((c) => c.status === 'warn')
      ? 'warn'
      : 'pass';
  return { status, checks, medians, failures };
}

/** |now − before| / |before|; null without both medians; a move away from a median of 0 counts as 1 (100 %). */
function driftOf(before: number | null, now: number | null): number | null {
  if (before === null || now === null) return null;
  if (before === 0) return now === 0 ? 0 : 1;
  return Math.abs(now - before) / Math.abs(before);
}
