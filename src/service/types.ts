/**
 * The one recommendation service both fronts (REST/page and Discord) call. Movie ids are the
 * dataset's own ids (ml-100k item id, MovieLens movieId); errors are ReelrecErrors with the codes
 * listed in service-errors.ts, which the HTTP layer maps to 4xx statuses.
 */

export interface MovieSummary {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
  /** Plot overview when the build joined a text file; null when unknown. */
  overview: string | null;
  /** TMDB poster path such as `/abc.jpg` (URL = https://image.tmdb.org/t/p/w500 + path); null when unknown. */
  posterPath: string | null;
}

export type ReasonKind = 'liked' | 'genre' | 'popular' | 'taste';

/** Why a movie was recommended: "because you liked X", "you like Sci-Fi", "popular with everyone". */
export interface Reason {
  kind: ReasonKind;
  text: string;
  /** The liked movie this one is close to (kind `liked`). */
  movieId?: number;
  /** The genre it matches (kind `genre`). */
  genre?: string;
}

export interface RecommendedMovie {
  movie: MovieSummary;
  /** Blended score (higher is better); comparable only within one answer. */
  score: number;
  reasons: Reason[];
}

export interface RecommendFromLikesInput {
  /** Movie ids the person picked / liked (may be empty: then popularity answers). */
  liked: number[];
  /** Movie ids they disliked: similar movies are pushed down, these are never returned. */
  disliked?: number[];
  /** How many to return (1..50, default 10). */
  k?: number;
  /** Only movies with at least one of these genres (names as listGenres gives them). */
  genres?: string[];
  /** Movie ids never to return (besides liked and disliked). */
  exclude?: number[];
}

export interface RecommendationAnswer {
  items: RecommendedMovie[];
  /** How the answer was made: the signals used and their blend weights. */
  strategy: { kind: 'hybrid' | 'known-user'; weights: Record<string, number> };
}

export interface MovieQuery {
  /** Case-insensitive substring of the title. */
  q?: string;
  genre?: string;
  offset?: number;
  /** 1..100, default 24. */
  limit?: number;
}

export interface MoviePage {
  total: number;
  offset: number;
  limit: number;
  items: MovieSummary[];
}

export interface GenreInfo {
  name: string;
  movieCount: number;
}

export interface GenreSimilarity {
  genres: string[];
  /** Cosine similarity of genre vectors, row-major genres × genres. */
  matrix: number[][];
}

export interface GenreAffinity {
  genre: string;
  /** Cosine similarity between the person's taste vector and the genre vector. */
  affinity: number;
  /** Median split of the person's affinities, as the seed does for MovieLens users. */
  positive: boolean;
}

export interface ServiceInfo {
  dataset: string;
  movies: number;
  users: number;
  embedder: string;
  backend: string;
}

export interface RecommendationService {
  info(): ServiceInfo;
  recommendFromLikes(input: RecommendFromLikesInput): Promise<RecommendationAnswer>;
  /** A MovieLens user of the training data (dataset user id). */
  recommendForKnownUser(userId: number, k?: number): Promise<RecommendationAnswer>;
  searchMovies(query: MovieQuery): MoviePage;
  getMovie(id: number): MovieSummary;
  /** Whether the catalogue has this movie; never throws (stored likes may name movies a rebuild dropped). */
  hasMovie(id: number): boolean;
  listGenres(): GenreInfo[];
  genreSimilarity(): GenreSimilarity;
  /** The visitor's own genre profile from the movies they picked (insights view). */
  genreProfile(liked: number[]): GenreAffinity[];
}
