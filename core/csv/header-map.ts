import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';

/** Which column holds what, from a header row matched by name (contract §4). */
export interface HeaderMap {
  /** The header fields as written in the file. */
  fields: string[];
  id: number;
  name: number | null;
  type: number | null;
  region: number | null;
  asOf: number | null;
  /** Metric columns: column index and the metric's normalised name. */
  metrics: { index: number; metric: string }[];
  /** One per ignored column, for the import's `warnings`. */
  warnings: string[];
}

const FIELDS = {
  id: 'id',
  partnerid: 'id',
  name: 'name',
  type: 'type',
  region: 'region',
  asof: 'asOf',
} as const;

/**
 * Maps header fields to partner fields and the active model's metrics, matching names like metric
 * names. Without an `id`/`partnerId` column, `name` is the id. Returns an error message when the
 * header has no usable id column.
 */
export function mapHeader(fields: readonly string[], model: ScoringModel): HeaderMap | { error: string } {
  const metricNames = new Set(model.metrics.map((m) => normalizeName(m.name)));
  const taken = new Map<string, number>();
  const warnings: string[] = [];
  const metrics: HeaderMap['metrics'] = [];
  fields.forEach((field, index) => {
    const key = normalizeName(field);
    // Own keys only: a column named `constructor` must not find Object.prototype's.
    const known = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof typeof FIELDS] : undefined;
    const role = known ?? (metricNames.has(key) ? `metric:${key}` : null);
    if (role === null) {
      warnings.push(
        field.trim() === ''
          ? `column ${index + 1} has no name and was ignored`
          : `column "${field}" is not a partner field or a metric of the active model and was ignored`,
      );
      return;
    }
    const first = taken.get(role);
    if (first !== undefined) {
      warnings.push(`column "${field}" repeats column "${fields[first]}" and was ignored`);
      return;
    }
    taken.set(role, index);
    if (role.startsWith('metric:')) metrics.push({ index, metric: key });
  });
  const name = taken.get('name') ?? null;
  const id = taken.get('id') ?? name;
  if (id === null) {
    return { error: 'the header has no id, partnerId or name column, so rows cannot be matched to partners' };
  }
  return {
    fields: [...fields],
    id,
    name,
    type: taken.get('type') ?? null,
    region: taken.get('region') ?? null,
    asOf: taken.get('asOf') ?? null,
    metrics,
    warnings,
  };
}
