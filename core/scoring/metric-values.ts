import type { MetricSpec } from '../model/scoring-model.ts';

const DAY_MS = 86_400_000;

/**
 * Contract §5 steps 2–3 for one present value: decay by the partner's age at `timeMs` (when the
 * metric has a half-life), then the cap bounds that are set.
 */
export function decayAndCap(metric: MetricSpec, x: number, asOfMs: number, timeMs: number): number {
  let value = x;
  if (metric.halfLifeDays !== null) {
    const age = timeMs - asOfMs;
    // An unparseable asOf (NaN) or a future one counts as age 0.
    const ageDays = age > 0 ? age / DAY_MS : 0;
    value *= 0.5 ** (ageDays / metric.halfLifeDays);
  }
  if (metric.cap.min !== null && value < metric.cap.min) value = metric.cap.min;
  if (metric.cap.max !== null && value > metric.cap.max) value = metric.cap.max;
  return value;
}

/** The value the `log` normalisation min-maxes: ln(1 + max(x, 0)). */
export function logValue(x: number): number {
  return Math.log1p(Math.max(x, 0));
}
