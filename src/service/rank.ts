import type { Catalogue } from '../recsys/data/types.js';
import { type BlendWeights, NO_LIKES_WEIGHTS, weightsFor } from './blend-weights.js';
import type { NeighbourLists } from './candidates.js';
import type { HybridParts, SignalSettings } from './hybrid.js';
import { contributionOrder, explain } from './reasons.js';
import { type RankingMode, scoreRequest, topOf } from './scoring.js';
import { buildTwoStageIndex } from './two-stage.js';
import type { MovieSummary, Reason, RecommendationAnswer } from './types.js';

/**
 * Everything ranking a fresh answer reads. Plain data and typed arrays only: the rank pool shares
 * its typed arrays with worker threads and clones the rest to each of them once, at start.
 */
export interface RankingModel {
  parts: HybridParts;
  catalogue: Catalogue;
  blend: BlendWeights;
  settings: SignalSettings;
  /** Two-stage (default) or full-catalogue ranking, for measurement (issue 12). */
  ranking?: RankingMode;
  /** The build's nearest-movie lists (LanceDB ANN): candidates include each pick's; absent, that source is off. */
  neighbours?: NeighbourLists;
}

/** One validated request in item indices; `exclude` marks (1) the movies that must not be returned. */
export interface RankRequest {
  liked: number[];
  disliked: number[];
  k: number;
  exclude: Uint8Array;
  /** A genre filter's genre indices: the candidates include their popular movies. */
  genres?: number[];
}

/**
 * A ranked answer in item indices: what crosses from a rank worker to the main thread. The service
 * turns it into movies from its own summaries (`answerOf`), so an answer copies no movie text
 * between threads and every cached answer shares the one summary of each movie.
 */
export interface RankedAnswer {
  items: Array<{ item: number; score: number; reasons: Reason[] }>;
  strategy: RecommendationAnswer['strategy'];
}

export type Rank = (request: RankRequest) => RankedAnswer;
/** Ranks a cache miss: on the main thread (inline) or in the rank pool's worker threads. */
export type RankAnswer = (request: RankRequest) => Promise<RankedAnswer>;

/** The answer people get: each ranked item as its movie summary. */
export function answerOf(ranked: RankedAnswer, summaries: readonly MovieSummary[]): RecommendationAnswer {
  return {
    items: ranked.items.map(({ item, score, reasons }) => ({ movie: summaries[item] as MovieSummary, score, reasons })),
    strategy: ranked.strategy,
  };
}

/**
 * The hybrid ranking of `recommendFromLikes`: the one code path both the main thread (inline mode)
 * and every rank worker run, so pooled and inline answers are the same answer.
 */
export function createRanker(model: RankingModel): Rank {
  const { parts, catalogue, settings } = model;
  // Issue 12: candidates, then the hybrid on them (each thread builds its own index and scratch).
  const twoStage = model.ranking === 'full' ? null : buildTwoStageIndex(parts, { neighbours: model.neighbours ?? null });
  return ({ liked, disliked, k, exclude, genres }) => {
    const weights = liked.length === 0 ? NO_LIKES_WEIGHTS : weightsFor(model.blend, liked.length);
    const run = scoreRequest(parts, twoStage, { liked, disliked }, weights, settings, { genres: genres ?? [], exclude, k });
    const { z, scores } = run;
    const top = topOf(run, k, exclude);
    return {
      items: Array.from(top, (item) => ({
        item,
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
