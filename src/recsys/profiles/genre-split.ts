import { ReelrecError } from '../../errors.js';
import { groupByUser } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { isPositive, labelRating } from '../sampling/labels.js';
import type { GenreMembership } from './genres.js';

export interface GenreProfile {
  /** Actual positive genres (indices into G, ascending). */
  positive: number[];
  /** Actual negative genres (indices into G, ascending). */
  negative: number[];
  /** Median of the user's G similarities. */
  median: number;
}

export interface GenreProfiles {
  nGenres: number;
  /** Indexed by dense user; null for users without an embedding. */
  profiles: (GenreProfile | null)[];
  usersWithProfile: number;
  usersWithoutEmbedding: number;
  /** Users whose actual positive / negative set is empty. */
  usersWithoutPositiveGenre: number;
  usersWithoutNegativeGenre: number;
}

/** Median of the values: the middle one for an odd count, the mean of the two middle ones for an even count. */
export function medianOf(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Splits each user's genres around the median of their similarities (the seed's rule):
 *
 *   candidate positive  sim > median      actual positive = candidate AND ≥ 1 movie of the genre rated ≥ 3
 *   candidate negative  sim < median      actual negative = candidate AND no movie of the genre rated at all
 *
 * A genre whose similarity equals the median is neither: with an odd G that is always the middle
 * genre, and with ties it keeps the two sides the same size instead of tipping a tie one way by
 * index order. A NaN similarity (a genre without a mean) is also neither.
 *
 * `ratings` must be the table the user embeddings came from, so "rated" means the same in both.
 */
export function splitUserGenres(similarity: Float32Array, ratings: RatingsTable, space: GenreMembership): GenreProfiles {
  const G = space.nGenres;
  const nUsers = ratings.userIds.length;
  if (similarity.length !== nUsers * G) {
    throw new ReelrecError('profile_shape', `similarity has ${similarity.length} values, expected ${nUsers} users × ${G} genres`);
  }
  const { offsets, order } = groupByUser(ratings);
  const likedGenre = new Uint8Array(G);
  const ratedGenre = new Uint8Array(G);
  const profiles: (GenreProfile | null)[] = new Array(nUsers).fill(null);
  let usersWithProfile = 0;
  let usersWithoutPositiveGenre = 0;
  let usersWithoutNegativeGenre = 0;
  for (let u = 0; u < nUsers; u++) {
    const row = similarity.subarray(u * G, (u + 1) * G);
    // A user without an embedding has an all-NaN row (userGenreSimilarity); G = 0 leaves nothing to split.
    const finite = row.filter((s) => !Number.isNaN(s));
    if (finite.length === 0) continue;
    likedGenre.fill(0);
    ratedGenre.fill(0);
    for (let k = offsets[u]; k < offsets[u + 1]; k++) {
      const r = order[k];
      const base = ratings.item[r] * G;
      const liked = isPositive(labelRating(ratings.rating[r]));
      for (let g = 0; g < G; g++) {
        if (space.membership[base + g] !== 1) continue;
        ratedGenre[g] = 1;
        if (liked) likedGenre[g] = 1;
      }
    }
    const median = medianOf(finite);
    const positive: number[] = [];
    const negative: number[] = [];
    for (let g = 0; g < G; g++) {
      const s = row[g] as number;
      if (s > median && likedGenre[g] === 1) positive.push(g);
      else if (s < median && ratedGenre[g] === 0) negative.push(g);
    }
    profiles[u] = { positive, negative, median };
    usersWithProfile++;
    if (positive.length === 0) usersWithoutPositiveGenre++;
    if (negative.length === 0) usersWithoutNegativeGenre++;
  }
  return {
    nGenres: G,
    profiles,
    usersWithProfile,
    usersWithoutEmbedding: nUsers - usersWithProfile,
    usersWithoutPositiveGenre,
    usersWithoutNegativeGenre,
  };
}
