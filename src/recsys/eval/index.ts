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
export { forEachUserScores, type Recommender, recommendTopK, SCORE_BATCH_USERS } from './recommender.js';
export {
  evaluateSampledLeaveOneOut,
  type SampledCandidates,
  type SampledLeaveOneOutOptions,
  type SampledLeaveOneOutResult,
  sampledCandidates,
} from './sampled-loo.js';
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
