import type { Catalogue } from '../recsys/data/types.js';
import { type BlendWeights, NO_LIKES_WEIGHTS, weightsFor } from './blend-weights.js';
import type { NeighbourLists } from './candidates.js';
import type { HybridParts, SignalSettings } from './hybrid.js';
import { contributionOrder, explain } from './reasons.js';
import { type RankingMode, scoreRequest, slotOf, topOf } from './scoring.js';
import { buildSharedTwoStageIndex, type SharedTwoStageIndex, withScratch } from './two-stage.js';
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
  /**
   * The two-stage index, built once by startRanking so every thread reads one copy from kernel
   * memory (its covariance and sample are kernel operands); absent, each ranker builds its own.
   */
  twoStage?: SharedTwoStageIndex;
}

/**
 * One validated request in item indices. Lists only, no catalogue-sized mask: the ranker marks what
 * may not be returned itself (see markExcluded), so a request costs the main thread and the copy to
 * a worker in proportion to its picks, not to the catalogue.
 */
export interface RankRequest {
  liked: number[];
  disliked: number[];
  /** Movies that must not be returned besides the picks (which never are). */
  excluded: number[];
  k: number;
  /** A genre filter (catalogue genre names): only movies of one of them are returned, and the candidates include their popular movies. */
  genres?: string[];
}

/** Marks (1) what a request may not return: its picks, its exclusions and, with a genre filter, movies of none of its genres. */
function markExcluded(catalogue: Catalogue, { liked, disliked, excluded, genres }: RankRequest, mask: Uint8Array): void {
  if (genres && genres.length > 0) {
    const wanted = new Set(genres);
    catalogue.movies.forEach((movie, j) => {
      mask[j] = movie.genres.some((g) => wanted.has(g)) ? 0 : 1;
    });
  }
  for (const list of [liked, disliked, excluded]) for (const i of list) mask[i] = 1;
}

/** Undoes markExcluded: a filter's whole mask, or only the listed movies. */
function clearExcluded({ liked, disliked, excluded, genres }: RankRequest, mask: Uint8Array): void {
  if (genres && genres.length > 0) mask.fill(0);
  else for (const list of [liked, disliked, excluded]) for (const i of list) mask[i] = 0;
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
  // Issue 12: candidates, then the hybrid on them (the shared index when the model has one; scratch per thread).
  const shared =
    model.ranking === 'full' ? null : (model.twoStage ?? buildSharedTwoStageIndex(parts, { neighbours: model.neighbours ?? null }));
  const twoStage = shared ? withScratch(shared, parts.nItems) : null;
  // One mask per ranker (a thread ranks one request at a time), cleared after each request.
  const exclude = new Uint8Array(parts.nItems);
  return (request) => {
    markExcluded(catalogue, request, exclude);
    try {
      return rankMarked(request, exclude);
    } finally {
      clearExcluded(request, exclude);
    }
  };

  function rankMarked({ liked, disliked, k, genres }: RankRequest, exclude: Uint8Array): RankedAnswer {
    const weights = liked.length === 0 ? NO_LIKES_WEIGHTS : weightsFor(model.blend, liked.length);
    const genreIndices = (genres ?? []).map((g) => parts.genres.names.indexOf(g));
    const run = scoreRequest(parts, twoStage, { liked, disliked }, weights, settings, { genres: genreIndices, exclude, k });
    const { z, scores } = run;
    const top = topOf(run, k, exclude);
    return {
      items: Array.from(top, (item) => {
        const slot = slotOf(run, item);
        return {
          item,
          score: Math.round((scores[slot] as number) * 1e4) / 1e4,
          reasons: explain(parts, catalogue, item, liked, contributionOrder(z, weights, slot), run.affinity),
        };
      }),
      strategy: { kind: 'hybrid', weights },
    };
  }
}

/** Inline mode: the ranker on the calling thread, behind the same promise the pool gives. */
export function rankInline(model: RankingModel): RankAnswer {
  const rank = createRanker(model);
  return async (request) => rank(request);
}
