import { groupByUser, type UserGroups } from '../recsys/data/ratings-table.js';
import type { Catalogue, RatingsTable } from '../recsys/data/types.js';
import { topK } from '../recsys/eval/top-k.js';
import type { NeuMF } from '../recsys/ncf/neumf.js';
import { medianOf } from '../recsys/profiles/genre-split.js';
import { LruCache } from '../util/lru.js';
import type { BlendWeights } from './blend-weights.js';
import type { NeighbourLists } from './candidates.js';
import { popularityOrder } from './catalogue-stats.js';
import { LIKED_RATING } from './cold-start.js';
import { ServiceInputError, UnknownGenreError, UnknownMovieError, UnknownUserError } from './errors.js';
import { type HybridParts, SIGNAL_DEFAULTS, type SignalSettings } from './hybrid.js';
import { type KnownUserWeights, knownUserScores } from './known-user.js';
import { movieSummary } from './movie-summary.js';
import { answerOf, type RankAnswer, type RankingModel, rankInline } from './rank.js';
import { contributionOrder, explain } from './reasons.js';
import type { RankingMode } from './scoring.js';
import { tasteVector } from './signals/content.js';
import { genreAffinity } from './signals/genre.js';
import type {
  GenreAffinity,
  MoviePage,
  MovieQuery,
  MovieSummary,
  RecommendationAnswer,
  RecommendationService,
  RecommendFromLikesInput,
  ServiceInfo,
} from './types.js';

/** What the service answers from; all of it is built or loaded before the first request. */
export interface ServiceData {
  dataset: string;
  catalogue: Catalogue;
  /** The ratings the models were trained on (known users and what they have seen). */
  ratings: RatingsTable;
  parts: HybridParts;
  blend: BlendWeights;
  /** NeuMF for MovieLens users of the training data. */
  neumf: NeuMF;
  /** How the known-user ranker blends NeuMF, item-item and popularity (tuned by the build). */
  knownUser: KnownUserWeights;
  embedder: string;
  backend: string;
  settings?: SignalSettings;
  /** Answers kept for repeated requests (0 = no cache). */
  cacheEntries?: number;
  /** Two-stage (default) or full-catalogue ranking of fresh answers, for measurement. */
  ranking?: RankingMode;
  /** The build's nearest-movie lists for the candidate stage (see RankingModel). */
  neighbours?: NeighbourLists;
}

export const DEFAULT_CACHE_ENTRIES = 2000;

export const MAX_K = 50;
export const MAX_PAGE = 100;

/** What ranking reads of the service's data (see rank.ts). */
export function rankingModelOf(data: ServiceData): RankingModel {
  return {
    parts: data.parts,
    catalogue: data.catalogue,
    blend: data.blend,
    settings: data.settings ?? SIGNAL_DEFAULTS,
    ...(data.ranking ? { ranking: data.ranking } : {}),
    ...(data.neighbours ? { neighbours: data.neighbours } : {}),
  };
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new ServiceInputError('k', `must be an integer from 1 to ${MAX_K}, got ${k}`);
  return k;
}

/**
 * The service: validation, the answer cache and every cheap call run here; only a cache miss is
 * handed to `rank` (inline by default; `startRanking` gives the worker-thread one).
 */
export function createRecommendationService(data: ServiceData, rank?: RankAnswer): RecommendationService {
  const { catalogue, ratings, parts } = data;
  const rankFromLikes = rank ?? rankInline(rankingModelOf(data));
  const summaries = catalogue.movies.map(movieSummary);
  const genreNames = parts.genres.names;
  const genreCounts = new Map(catalogue.genres.map((g) => [g, 0]));
  for (const m of catalogue.movies) for (const g of m.genres) genreCounts.set(g, (genreCounts.get(g) ?? 0) + 1);
  // Browsing shows well-known movies first: by popularity, then id.
  const browseOrder = Array.from(popularityOrder(parts.popularity));
  const lowerTitles = summaries.map((m) => m.title.toLowerCase());
  // The page re-asks on every click and the bot on every /recommend: same picks, same answer.
  let byUser: UserGroups | null = null;
  const answers = new LruCache<string, RecommendationAnswer>(data.cacheEntries ?? DEFAULT_CACHE_ENTRIES);

  const indicesOf = (ids: readonly number[]): number[] => {
    const unknown = ids.filter((id) => !ratings.itemIndex.has(id));
    if (unknown.length > 0) throw new UnknownMovieError(unknown);
    return [...new Set(ids)].map((id) => ratings.itemIndex.get(id) as number);
  };
  const checkGenres = (genres: readonly string[]): void => {
    const unknown = genres.filter((g) => !genreCounts.has(g));
    if (unknown.length > 0) throw new UnknownGenreError(unknown, [...genreCounts.keys()]);
  };

  const service: RecommendationService = {
    info(): ServiceInfo {
      return {
        dataset: data.dataset,
        movies: summaries.length,
        users: ratings.userIds.length,
        embedder: data.embedder,
        backend: data.backend,
      };
    },

    async recommendFromLikes(input: RecommendFromLikesInput): Promise<RecommendationAnswer> {
      const k = checkK(input.k ?? 10);
      // Sorted, so the answer (and its cache key) does not depend on the order of the picks.
      const liked = indicesOf(input.liked).sort((a, b) => a - b);
      const disliked = indicesOf(input.disliked ?? []).sort((a, b) => a - b);
      const excluded = indicesOf(input.exclude ?? []).sort((a, b) => a - b);
      const genres = [...new Set(input.genres ?? [])].sort();
      const key = JSON.stringify([liked, disliked, excluded, genres, k]);
      const cached = answers.get(key);
      if (cached) return cached;
      const both = liked.filter((i) => disliked.includes(i));
      if (both.length > 0) {
        throw new ServiceInputError('disliked', `movie ${catalogue.movies[both[0] as number]?.id} is both liked and disliked`);
      }
      checkGenres(genres);
      const ranked = await rankFromLikes({ liked, disliked, excluded, k, genres });
      const answer = answerOf(ranked, summaries);
      answers.set(key, answer);
      return answer;
    },

    async recommendForKnownUser(userId: number, k = 10): Promise<RecommendationAnswer> {
      checkK(k);
      const user = ratings.userIndex.get(userId);
      if (user === undefined) throw new UnknownUserError(userId);
      byUser ??= groupByUser(ratings);
      const seen: number[] = [];
      const liked: number[] = [];
      for (let k = byUser.offsets[user] as number; k < (byUser.offsets[user + 1] as number); k++) {
        const r = byUser.order[k] as number;
        seen.push(ratings.item[r] as number);
        if ((ratings.rating[r] as number) >= LIKED_RATING) liked.push(ratings.item[r] as number);
      }
      const weights = data.knownUser;
      const { scores, z } = knownUserScores(parts, data.neumf, user, seen, weights);
      const exclude = new Uint8Array(parts.nItems);
      for (const i of seen) exclude[i] = 1;
      const affinity = genreAffinity(parts.genres, tasteVector(parts.movies, liked, [], 0));
      return {
        items: Array.from(topK(scores, k, exclude), (item) => ({
          movie: summaries[item] as MovieSummary,
          score: Math.round((scores[item] as number) * 1e4) / 1e4,
          // The signals that ranked it, strongest first; a genre the user likes after them.
          reasons: explain(parts, catalogue, item, liked, [...contributionOrder(z, weights, item), 'genre'], affinity),
        })),
        strategy: { kind: 'known-user', weights },
      };
    },

    searchMovies(query: MovieQuery): MoviePage {
      const offset = query.offset ?? 0;
      const limit = query.limit ?? 24;
      if (!Number.isInteger(offset) || offset < 0) throw new ServiceInputError('offset', `must be a non-negative integer, got ${offset}`);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        throw new ServiceInputError('limit', `must be an integer from 1 to ${MAX_PAGE}, got ${limit}`);
      if (query.genre) checkGenres([query.genre]);
      const q = query.q?.trim().toLowerCase() ?? '';
      let hits = browseOrder.filter(
        (j) => (!q || (lowerTitles[j] as string).includes(q)) && (!query.genre || summaries[j]?.genres.includes(query.genre)),
      );
      // A title that starts with the query is what people type for.
      if (q) hits = [...hits.filter((j) => lowerTitles[j]?.startsWith(q)), ...hits.filter((j) => !lowerTitles[j]?.startsWith(q))];
      return { total: hits.length, offset, limit, items: hits.slice(offset, offset + limit).map((j) => summaries[j] as MovieSummary) };
    },

    getMovie(id: number): MovieSummary {
      const [item] = indicesOf([id]);
      return summaries[item as number] as MovieSummary;
    },

    hasMovie(id: number): boolean {
      return ratings.itemIndex.has(id);
    },

    listGenres() {
      return [...genreCounts].map(([name, movieCount]) => ({ name, movieCount }));
    },

    genreSimilarity() {
      const G = genreNames.length;
      const matrix = genreNames.map((_, a) =>
        genreNames.map((__, b) => Math.round(((parts.genres.similarity[a * G + b] as number) || 0) * 1e4) / 1e4),
      );
      return { genres: [...genreNames], matrix };
    },

    genreProfile(liked: number[]): GenreAffinity[] {
      const items = indicesOf(liked);
      const affinity = genreAffinity(parts.genres, tasteVector(parts.movies, items, [], 0));
      const median = medianOf(affinity);
      return genreNames.map((genre, g) => ({
        genre,
        affinity: Math.round((affinity[g] as number) * 1e4) / 1e4,
        positive: items.length > 0 && (affinity[g] as number) > median,
      }));
    },
  };
  return service;
}
