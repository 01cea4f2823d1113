export type { PreviewMover } from '../api/models.schema.ts';
export {
  ColumnsBuilder,
  type PartnerColumns,
  projectColumns,
  type ScorablePartner,
  toColumns,
} from './columns.ts';
export { coverageColumn } from './coverage.ts';
export {
  type ExplainablePartner,
  estimatePercentile,
  explainFromNormalized,
  provisionalScore,
  type ScoreExplanation,
} from './explain.ts';
export { normalCdf } from './normal-cdf.ts';
export { type ModelPreview, type PreviewOptions, previewModel, previewModelThreaded } from './preview.ts';
export {
  type MetricStatistics,
  type PopulationScores,
  type RunStatistics,
  type ScorePopulationOptions,
  scorePopulation,
} from './score-population.ts';
export {
  type ScoringThreadsOptions,
  scorePopulationThreaded,
  startScoringThreads,
  THREADED_MIN_PARTNERS,
  threadsFor,
} from './score-threaded.ts';
export { scoringThreads } from './scoring-pool.ts';
export { assignTier, nextTierOf, tierIndexOf } from './tiers.ts';
