/** Shapes of a population scoring's input options and results (`scorePopulation`). */

/** Population statistics of one metric at the run's time, over the present values after decay and cap. */
export interface MetricStatistics {
  /** Normalised metric name. */
  metric: string;
  /** Partners with a value. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** min and max of ln(1 + max(x, 0)), what `log` min-maxes. */
  logMin: number;
  logMax: number;
  /** Quantile sketch (see `sketchOfSorted`): exact for percentile metrics, from a sample otherwise. */
  sketch: number[];
}

/**
 * Compact, JSON-serialisable statistics of a run (a few KB for any N): what a provisional score
 * between runs is computed against.
 */
export interface RunStatistics {
  /** The run's time t, epoch ms. */
  runTimeMs: number;
  /** Partners scored. */
  partners: number;
  /** One entry per model metric, in model order. */
  metrics: MetricStatistics[];
  /** Quantile sketch of the run's scores, for an approximate percentile between runs. */
  scoreSketch: number[];
}

/** Everything a run computes for its population, in typed arrays aligned with the input columns. */
export interface PopulationScores {
  /** Score per partner (input order). */
  scores: Float64Array;
  /** Per metric column, the final n (after missing policy and direction); NaN where dropped (exclude). */
  normalized: Float64Array[];
  /** Weight rescale r per partner (1 unless `exclude` dropped something; 0 when everything was). */
  scale: Float64Array;
  /** Index into `model.tiers` per partner, −1 = below every tier (after hysteresis). */
  tierIndex: Int32Array;
  /** 1-based rank of partner i. */
  ranks: Uint32Array;
  /** Partner indices in rank order (score descending, id ascending by UTF-16 code units). */
  order: Uint32Array;
  /** 100·(L + E/2)/N over all scores. */
  percentiles: Float64Array;
  stats: RunStatistics;
}

/** Options of `scorePopulation` and `scorePopulationThreaded`. */
export interface ScorePopulationOptions {
  /** The run's time t (its `startedAt`), epoch ms: decay is measured to it. */
  runTimeMs: number;
  /** Tier of each partner in the previous completed run (input order), for hysteresis. */
  previousTiers?: ReadonlyArray<string | null | undefined>;
  /**
   * The same as {@link previousTiers} as indices into `model.tiers` (negative: none, or a tier the
   * model does not have): what a caller holding dictionary codes passes instead of a string per partner.
   */
  previousTierIndex?: Int32Array;
  /**
   * Partners per block of the statistics' partial sums (default 65,536). The statistics' last bits
   * depend on it, never on the thread count; tests set it small to split small populations.
   */
  blockSize?: number;
}
