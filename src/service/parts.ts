import type { Catalogue, RatingsTable } from '../recsys/data/types.js';
import type { NeuMF } from '../recsys/ncf/neumf.js';
import type { MovieEmbeddings } from '../recsys/profiles/vectors.js';
import { type HybridParts, popularityPrior } from './hybrid.js';
import { type EaseModel, type EaseOptions, fitEase } from './signals/ease.js';
import { foldInModel } from './signals/fold-in.js';
import { buildGenreModel } from './signals/genre.js';

/** Ratings per movie in `ratings` (catalogue order). */
export function ratingCounts(ratings: RatingsTable): Uint32Array {
  const counts = new Uint32Array(ratings.itemIds.length);
  for (let r = 0; r < ratings.length; r++) counts[ratings.item[r] as number] = (counts[ratings.item[r] as number] as number) + 1;
  return counts;
}

/**
 * Assembles every precomputed structure a request reads, from what the build made: the ratings,
 * the trained NeuMF, the movie embeddings. EASE is the only part fitted here (a few seconds);
 * pass `itemItem` to reuse a saved one.
 */
export function assembleParts(
  catalogue: Catalogue,
  ratings: RatingsTable,
  neumf: NeuMF,
  movies: MovieEmbeddings,
  options: { ease?: EaseOptions; itemItem?: EaseModel } = {},
): HybridParts {
  const { shape, values } = neumf.weightValues();
  return {
    nItems: catalogue.movies.length,
    popularity: popularityPrior(ratingCounts(ratings)),
    movies,
    genres: buildGenreModel(catalogue, movies),
    foldIn: foldInModel(shape, values, trainedUsers(ratings)),
    itemItem: options.itemItem ?? fitEase(ratings, options.ease),
  };
}

/** 1 for users with at least one rating: only they shape the fold-in starting point. */
export function trainedUsers(ratings: RatingsTable): Uint8Array {
  const has = new Uint8Array(ratings.userIds.length);
  for (let r = 0; r < ratings.length; r++) has[ratings.user[r] as number] = 1;
  return has;
}
