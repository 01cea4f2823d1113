import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';
import type { PartnerColumns } from './columns.ts';

/** Decimals kept by {@link coverageColumn}: enough for any weight ratio a page shows, and short. */
const COVERAGE_DECIMALS = 4;

/**
 * Coverage of every partner of a population (contract §3): Σ weights of the model metrics the
 * partner has a value for / Σ all weights (by count when the weights add up to 0), rounded to
 * 4 decimals so a ranking page entry stays compact. Columns are matched to the model's metrics by
 * name; a metric the columns lack counts as missing.
 */
export function coverageColumn(model: ScoringModel, columns: PartnerColumns): Float64Array {
  const n = columns.ids.length;
  const byName = new Map(columns.metrics.map((name, j) => [name, columns.values[j]]));
  const total = model.metrics.reduce((sum, metric) => sum + metric.weight, 0);
  const byCount = !(total > 0);
  const present = new Float64Array(n);
  for (const metric of model.metrics) {
    const values = byName.get(normalizeName(metric.name));
    if (values === undefined) continue;
    const weight = byCount ? 1 : metric.weight;
    for (let i = 0; i < n; i++)
      if (!Number.isNaN(values[i] as number)) present[i] = (present[i] as number) + weight;
  }
  const whole = byCount ? model.metrics.length : total;
  const scale = 10 ** COVERAGE_DECIMALS;
  for (let i = 0; i < n; i++) present[i] = Math.round(((present[i] as number) / whole) * scale) / scale;
  return present;
}
