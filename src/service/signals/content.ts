import type { MovieEmbeddings } from '../../recsys/profiles/vectors.js';
import { kernelsFor } from '../kernels/index.js';

/**
 * The person's taste in text space: the mean of the liked movies' unit vectors minus
 * `dislikeWeight` × the mean of the disliked ones (the seed's user vector, signed). Null when
 * none of the picks has text.
 */
export function tasteVector(
  movies: MovieEmbeddings,
  liked: ArrayLike<number>,
  disliked: ArrayLike<number>,
  dislikeWeight: number,
): Float32Array | null {
  const { dim, vectors } = movies;
  const taste = new Float32Array(dim);
  let used = 0;
  const add = (items: ArrayLike<number>, scale: number) => {
    let present = 0;
    const acc = new Float32Array(dim);
    for (let n = 0; n < items.length; n++) {
      const row = vectors.subarray((items[n] as number) * dim, ((items[n] as number) + 1) * dim);
      if (!row.some((x) => x !== 0)) continue;
      for (let d = 0; d < dim; d++) acc[d] = (acc[d] as number) + (row[d] as number);
      present++;
    }
    if (present === 0) return;
    for (let d = 0; d < dim; d++) taste[d] = (taste[d] as number) + (scale * (acc[d] as number)) / present;
    used += present;
  };
  add(liked, 1);
  if (dislikeWeight > 0) add(disliked, -dislikeWeight);
  return used > 0 ? taste : null;
}

/** Content similarity: taste · movie for every movie (rows are unit vectors, so this ranks by cosine). */
export function contentScores(movies: MovieEmbeddings, taste: Float32Array | null, out: Float32Array): void {
  out.fill(0);
  if (!taste) return;
  dotRows(taste, movies.vectors, movies.dim, null, out.length, out);
}

/**
 * out[c] = x · row r of `rows` (dim values each) for c < count, r = items[c] (or c itself without
 * items): dotAt's sums, by the SIMD kernels when `rows` lives in kernel memory.
 */
export function dotRows(
  x: Float32Array,
  rows: Float32Array,
  dim: number,
  items: Uint32Array | null,
  count: number,
  out: { [index: number]: number },
): void {
  const kernels = kernelsFor(rows);
  if (kernels) kernels.dotRows(x, rows, dim, items, 0, count, out);
  else for (let c = 0; c < count; c++) out[c] = dotAt(x, rows, (items ? (items[c] as number) : c) * dim, dim);
}

/**
 * taste · vectors[base .. base + dim): the one dot product both the catalogue pass and the
 * two-stage pass use, so their bits agree.
 */
export function dotAt(taste: Float32Array, vectors: Float32Array | Float64Array, base: number, dim: number): number {
  return dotFrom(taste, 0, vectors, base, dim);
}

/**
 * Σ x[from + d] · y[base + d] for d < n, in four partial sums so the adds do not wait on each
 * other (one running sum is a chain of dependent adds, 3–4× slower at n = 256).
 */
export function dotFrom(x: Float32Array, from: number, y: Float32Array | Float64Array, base: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 4 <= n; d += 4) {
    s0 += (x[from + d] as number) * (y[base + d] as number);
    s1 += (x[from + d + 1] as number) * (y[base + d + 1] as number);
    s2 += (x[from + d + 2] as number) * (y[base + d + 2] as number);
    s3 += (x[from + d + 3] as number) * (y[base + d + 3] as number);
  }
  for (; d < n; d++) s0 += (x[from + d] as number) * (y[base + d] as number);
  return s0 + s1 + (s2 + s3);
}
