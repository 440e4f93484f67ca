export {
  type EvaluateOptions,
  type EvaluateVariantsOptions,
  type EvaluationResult,
  evaluateRecommender,
  evaluateVariants,
  type Relevance,
} from './evaluate.js';
export {
  averagePrecisionAtK,
  catalogueCoverage,
  hitAtK,
  type ItemSet,
  MetricAccumulator,
  meanRankingMetrics,
  ndcgAtK,
  precisionAtK,
  type RankingMetrics,
  recallAtK,
} from './metrics.js';
export { type Recommender, recommendTopK } from './recommender.js';
export {
  type CutRule,
  chronologicalSplit,
  leaveOneOutSplit,
  type RatioSplitOptions,
  type Split,
  type StratifiedSplitOptions,
  stratifiedSplit,
} from './splits.js';
export { topK } from './top-k.js';
