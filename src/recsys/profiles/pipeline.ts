import { ReelrecError } from '../../errors.js';
import { type Progress, SILENT_PROGRESS } from '../../progress.js';
import type { Catalogue, RatingsTable } from '../data/types.js';
import { type GenreProfiles, splitUserGenres } from './genre-split.js';
import { buildGenreSpace, type GenreSpace } from './genres.js';
import { genreGenreSimilarity, userGenreSimilarity } from './similarity.js';
import {
  computeGenreEmbeddings,
  computeUserEmbeddings,
  type MeanVectors,
  type MovieEmbeddings,
  presentRows,
  type UserEmbeddings,
} from './vectors.js';

/** Stages buildGenreProfiles reports progress over. */
export const GENRE_PROFILE_STAGES = 6;

export interface GenreProfileRun {
  space: GenreSpace;
  users: UserEmbeddings;
  genres: MeanVectors;
  /** nUsers × G, NaN rows for users without an embedding. */
  userGenre: Float32Array;
  /** G × G, symmetric. */
  genreGenre: Float64Array;
  profiles: GenreProfiles;
}

/**
 * Steps 1–3 of the seed in one call: user and genre means, both similarity matrices, and each
 * user's actual positive / negative genres. Pass the train half when the profiles feed an
 * evaluation, so held-out ratings do not leak into them.
 */
export function buildGenreProfiles(
  catalogue: Catalogue,
  ratings: RatingsTable,
  movies: MovieEmbeddings,
  progress: Progress = SILENT_PROGRESS,
): GenreProfileRun {
  const nItems = catalogue.movies.length;
  if (ratings.itemIds.length !== nItems) {
    throw new ReelrecError('catalogue_mismatch', `ratings index ${ratings.itemIds.length} items but the catalogue has ${nItems}`);
  }
  // One step per stage: each is a single pass over ratings or users, seconds at most on ml-32m.
  progress.setTotal(GENRE_PROFILE_STAGES);
  const present = presentRows(movies, nItems);
  const space = buildGenreSpace(catalogue, present);
  progress.increment(1, 'user vectors');
  const users = computeUserEmbeddings(ratings, movies, present);
  progress.increment(1, 'genre vectors');
  const genres = computeGenreEmbeddings(space, movies, present);
  progress.increment(1, 'user–genre similarity');
  const userGenre = userGenreSimilarity(users, genres);
  progress.increment(1, 'genre–genre similarity');
  const genreGenre = genreGenreSimilarity(genres);
  progress.increment(1, 'median split');
  const profiles = splitUserGenres(userGenre, ratings, space);
  progress.increment(1, 'done');
  return { space, users, genres, userGenre, genreGenre, profiles };
}
