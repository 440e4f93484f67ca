import type { Catalogue } from '../recsys/data/types.js';
import { topK } from '../recsys/eval/top-k.js';
import { type BlendWeights, NO_LIKES_WEIGHTS, weightsFor } from './blend-weights.js';
import { blend, computeSignals, dislikePenalty, type HybridParts, SIGNALS, type SignalSettings, standardizeAll } from './hybrid.js';
import { movieSummary } from './movie-summary.js';
import { contributionOrder, explain } from './reasons.js';
import type { MovieSummary, RecommendationAnswer } from './types.js';

/**
 * Everything ranking a fresh answer reads. Plain data and typed arrays only: the rank pool shares
 * its typed arrays with worker threads and clones the rest to each of them once, at start.
 */
export interface RankingModel {
  parts: HybridParts;
  catalogue: Catalogue;
  blend: BlendWeights;
  settings: SignalSettings;
}

/** One validated request in item indices; `exclude` marks (1) the movies that must not be returned. */
export interface RankRequest {
  liked: number[];
  disliked: number[];
  k: number;
  exclude: Uint8Array;
}

export type Rank = (request: RankRequest) => RecommendationAnswer;
/** Ranks a cache miss: on the main thread (inline) or in the rank pool's worker threads. */
export type RankAnswer = (request: RankRequest) => Promise<RecommendationAnswer>;

/**
 * The hybrid ranking of `recommendFromLikes`: the one code path both the main thread (inline mode)
 * and every rank worker run, so pooled and inline answers are the same answer.
 */
export function createRanker(model: RankingModel): Rank {
  const { parts, catalogue, settings } = model;
  const summaries = catalogue.movies.map(movieSummary);
  return ({ liked, disliked, k, exclude }) => {
    const weights = liked.length === 0 ? NO_LIKES_WEIGHTS : weightsFor(model.blend, liked.length);
    const needed = SIGNALS.filter((s) => weights[s] !== 0);
    // Dislikes act once, as a penalty after the blend, so they cannot reshuffle the liked signals.
    const run = computeSignals(parts, { liked, disliked: [] }, settings, needed);
    const z = standardizeAll(run.raw);
    const scores = blend(z, weights, new Float32Array(parts.nItems));
    if (disliked.length > 0) {
      const penalty = dislikePenalty(parts, disliked);
      const scale = settings.dislikeWeight * SIGNALS.reduce((sum, s) => sum + Math.abs(weights[s]), 0);
      for (let j = 0; j < scores.length; j++) scores[j] = (scores[j] as number) - scale * (penalty[j] as number);
    }
    const top = topK(scores, k, exclude);
    return {
      items: Array.from(top, (item) => ({
        movie: summaries[item] as MovieSummary,
        score: Math.round((scores[item] as number) * 1e4) / 1e4,
        reasons: explain(parts, catalogue, item, liked, contributionOrder(z, weights, item), run.affinity),
      })),
      strategy: { kind: 'hybrid', weights },
    };
  };
}

/** Inline mode: the ranker on the calling thread, behind the same promise the pool gives. */
export function rankInline(model: RankingModel): RankAnswer {
  const rank = createRanker(model);
  return async (request) => rank(request);
}
