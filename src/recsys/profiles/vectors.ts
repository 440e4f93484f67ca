import { ReelrecError } from '../../errors.js';
import { groupByUser } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { isPositive, labelRating } from '../sampling/labels.js';
import type { GenreSpace } from './genres.js';

/**
 * Movie text embeddings: row j (of `dim` floats) belongs to catalogue.movies[j]. Rows are
 * L2-normalised; an all-zero row means the movie had no text and is treated as missing.
 */
export interface MovieEmbeddings {
  vectors: Float32Array;
  dim: number;
}

/**
 * Mean vectors for users or genres. Means are kept un-normalised (the seed averages and stops
 * there); cosine in similarity.ts divides by the norms itself.
 */
export interface MeanVectors {
  dim: number;
  /** Row-major rows × dim; a row without a mean is all zero. */
  vectors: Float32Array;
  /** 1 when the row has a mean. */
  has: Uint8Array;
  /** Embedded movies averaged into each row. */
  counts: Uint32Array;
}

export interface UserEmbeddings extends MeanVectors {
  nUsers: number;
  withEmbedding: number;
  /** Users with no embedding: `noPositives` + those whose positive movies all lack text. */
  withoutEmbedding: number;
  /** Users without a single rating ≥ 3. */
  noPositives: number;
}

/** 1 for each movie row that is not all zero. */
export function presentRows(movies: MovieEmbeddings, nItems: number): Uint8Array {
  checkShape(movies, nItems);
  const { vectors, dim } = movies;
  const present = new Uint8Array(nItems);
  for (let j = 0; j < nItems; j++) {
    for (let d = j * dim; d < (j + 1) * dim; d++) {
      if (vectors[d] !== 0) {
        present[j] = 1;
        break;
      }
    }
  }
  return present;
}

function checkShape(movies: MovieEmbeddings, nItems: number): void {
  const { vectors, dim } = movies;
  if (!Number.isInteger(dim) || dim <= 0 || vectors.length !== nItems * dim) {
    throw new ReelrecError('embedding_shape', `expected ${nItems} movie embeddings of dimension ${dim}, got ${vectors.length} floats`);
  }
}

/** Adds row `from` of `src` into the float64 accumulator. */
function addRow(acc: Float64Array, src: Float32Array, from: number, dim: number): void {
  const base = from * dim;
  for (let d = 0; d < dim; d++) acc[d] += src[base + d];
}

/**
 * User embedding = mean of the embeddings of the movies the user rated ≥ 3 (interaction 1).
 * A movie rated twice counts once; movies without text do not count. A user with nothing to
 * average gets no embedding (`has[u] = 0`, `userVector` returns null) rather than a zero vector.
 */
export function computeUserEmbeddings(ratings: RatingsTable, movies: MovieEmbeddings, present?: Uint8Array): UserEmbeddings {
  const nItems = ratings.itemIds.length;
  const { dim } = movies;
  const hasRow = present ?? presentRows(movies, nItems);
  const nUsers = ratings.userIds.length;
  const vectors = new Float32Array(nUsers * dim);
  const has = new Uint8Array(nUsers);
  const counts = new Uint32Array(nUsers);
  const { offsets, order } = groupByUser(ratings);
  const lastSeen = new Int32Array(nItems).fill(-1);
  const acc = new Float64Array(dim);
  let noPositives = 0;
  let withEmbedding = 0;
  for (let u = 0; u < nUsers; u++) {
    acc.fill(0);
    let positives = 0;
    let n = 0;
    for (let k = offsets[u]; k < offsets[u + 1]; k++) {
      const row = order[k];
      if (!isPositive(labelRating(ratings.rating[row]))) continue;
      positives++;
      const item = ratings.item[row];
      if (lastSeen[item] === u || hasRow[item] !== 1) continue;
      lastSeen[item] = u;
      addRow(acc, movies.vectors, item, dim);
      n++;
    }
    if (positives === 0) noPositives++;
    if (n === 0) continue;
    for (let d = 0; d < dim; d++) vectors[u * dim + d] = acc[d] / n;
    has[u] = 1;
    counts[u] = n;
    withEmbedding++;
  }
  return { dim, vectors, has, counts, nUsers, withEmbedding, withoutEmbedding: nUsers - withEmbedding, noPositives };
}

/** The user's embedding, or null when the user has none. */
export function userVector(users: MeanVectors, user: number): Float32Array | null {
  if (users.has[user] !== 1) return null;
  return users.vectors.subarray(user * users.dim, (user + 1) * users.dim);
}

/**
 * Genre embedding = mean of the embeddings of the movies in the genre; a movie counts in each of
 * its genres. buildGenreSpace(catalogue, presentRows(...)) already dropped genres with no
 * embedded movie, so every row here has a mean.
 */
export function computeGenreEmbeddings(space: GenreSpace, movies: MovieEmbeddings, present?: Uint8Array): MeanVectors {
  const { dim } = movies;
  const hasRow = present ?? presentRows(movies, space.nItems);
  const G = space.nGenres;
  const vectors = new Float32Array(G * dim);
  const has = new Uint8Array(G);
  const counts = new Uint32Array(G);
  const acc = new Float64Array(dim);
  for (let g = 0; g < G; g++) {
    acc.fill(0);
    let n = 0;
    for (let k = space.genreOffsets[g]; k < space.genreOffsets[g + 1]; k++) {
      const item = space.genreItems[k];
      if (hasRow[item] !== 1) continue;
      addRow(acc, movies.vectors, item, dim);
      n++;
    }
    if (n === 0) continue;
    for (let d = 0; d < dim; d++) vectors[g * dim + d] = acc[d] / n;
    has[g] = 1;
    counts[g] = n;
  }
  return { dim, vectors, has, counts };
}
