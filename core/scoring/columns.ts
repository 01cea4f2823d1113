import type { ScoringModel } from '../model/scoring-model.ts';
import { normalizeName } from '../names.ts';

/**
 * A population in columnar form: one typed array per model metric, so scoring a million partners
 * allocates no object per partner and metric.
 */
export interface PartnerColumns {
  /** Partner ids, N of them. */
  ids: string[];
  /** Per partner, epoch milliseconds of its `asOf`. */
  asOfMs: Float64Array;
  /** One column per metric, in `metrics` order; `NaN` = the partner has no value. */
  values: Float64Array[];
  /** Normalised metric name of each column (model order when built by {@link toColumns}). */
  metrics: string[];
}

/** A partner as the scoring core reads it: metric keys are matched through `normalizeName`. */
export interface ScorablePartner {
  id: string;
  asOf: string;
  metrics: Record<string, number>;
}

/**
 * Builds {@link PartnerColumns} incrementally (for example one DynamoDB page at a time), growing its
 * typed arrays geometrically.
 */
export class ColumnsBuilder {
  readonly metrics: string[];
  private readonly index: Map<string, number>;
  private ids: string[] = [];
  private asOf: Float64Array;
  private cols: Float64Array[];
  private size = 0;

  constructor(model: ScoringModel, capacity = 1024) {
    this.metrics = model.metrics.map((metric) => normalizeName(metric.name));
    this.index = new Map(this.metrics.map((name, i) => [name, i]));
    const initial = Math.max(16, capacity);
    this.asOf = new Float64Array(initial);
    this.cols = this.metrics.map(() => new Float64Array(initial));
  }

  /** Number of partners added so far. */
  get length(): number {
    return this.size;
  }

  /** Appends one partner; metrics the model does not know are ignored. */
  add(partner: ScorablePartner): void {
    if (this.size === this.asOf.length) this.grow();
    const row = this.size++;
    this.ids.push(partner.id);
    this.asOf[row] = Date.parse(partner.asOf);
    for (const col of this.cols) col[row] = Number.NaN;
    for (const key in partner.metrics) {
      const value = partner.metrics[key];
      let column = this.index.get(key);
      // Stored keys are already normalised; anything else pays for one normalizeName.
      if (column === undefined) column = this.index.get(normalizeName(key));
      if (column !== undefined && typeof value === 'number') (this.cols[column] as Float64Array)[row] = value;
    }
  }

  /** The columns, trimmed to the partners added (views, no copy). */
  build(): PartnerColumns {
    const n = this.size;
    return {
      ids: this.ids,
      asOfMs: this.asOf.subarray(0, n),
      values: this.cols.map((col) => col.subarray(0, n)),
      metrics: [...this.metrics],
    };
  }

  private grow(): void {
    const capacity = this.asOf.length * 2;
    const asOf = new Float64Array(capacity);
    asOf.set(this.asOf);
    this.asOf = asOf;
    this.cols = this.cols.map((col) => {
      const next = new Float64Array(capacity);
      next.set(col);
      return next;
    });
  }
}

/**
 * Turns partner records into columns for `model`: one column per model metric, in model order.
 * Metric keys are matched to model metric names through `normalizeName`; unknown keys are ignored.
 */
export function toColumns(model: ScoringModel, partners: Iterable<ScorablePartner>): PartnerColumns {
  const capacity = Array.isArray(partners) ? partners.length : 1024;
  const builder = new ColumnsBuilder(model, capacity);
  for (const partner of partners) builder.add(partner);
  return builder.build();
}

/**
 * Re-projects columns onto another model's metrics (by normalised name), sharing the arrays; a
 * metric the columns lack becomes an all-missing column. Used to score one population under two models.
 */
export function projectColumns(columns: PartnerColumns, model: ScoringModel): PartnerColumns {
  const byName = new Map(columns.metrics.map((name, i) => [name, columns.values[i] as Float64Array]));
  const metrics = model.metrics.map((metric) => normalizeName(metric.name));
  const values = metrics.map(
    (name) => byName.get(name) ?? new Float64Array(columns.ids.length).fill(Number.NaN),
  );
  return { ids: columns.ids, asOfMs: columns.asOfMs, values, metrics };
}
