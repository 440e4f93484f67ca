import { ReelrecError } from '../../errors.js';
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
export function buildGenreProfiles(catalogue: Catalogue, ratings: RatingsTable, movies: MovieEmbeddings): GenreProfileRun {
  const nItems = catalogue.movies.length;
  if (ratings.itemIds.length !== nItems) {
    throw new ReelrecError('catalogue_mismatch', `ratings index ${ratings.itemIds.length} items but the catalogue has ${nItems}`);
  }
  const present = presentRows(movies, nItems);
  const space = buildGenreSpace(catalogue, present);
  const users = computeUserEmbeddings(ratings, movies, present);
  const genres = computeGenreEmbeddings(space, movies, present);
  const userGenre = userGenreSimilarity(users, genres);
  const genreGenre = genreGenreSimilarity(genres);
  const profiles = splitUserGenres(userGenre, ratings, space);
  return { space, users, genres, userGenre, genreGenre, profiles };
}
