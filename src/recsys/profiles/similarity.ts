import type { MeanVectors } from './vectors.js';

/**
 * Cosine of rows `i` of `a` and `j` of `b` (both `dim` wide), in float64. The means are not unit
 * vectors, so both norms are divided out; NaN when either row is all zero, since the angle to the
 * zero vector is undefined and 0 would pass for "unrelated".
 */
export function cosineRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[i * dim + d] as number;
    const y = b[j * dim + d] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return Number.NaN;
  // Rounding can push |cos| of parallel vectors a hair past 1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/**
 * User × genre cosine, row-major nUsers × G. Rows of users without an embedding are NaN, so a
 * consumer cannot mistake them for users who are neutral about every genre.
 */
export function userGenreSimilarity(users: MeanVectors & { nUsers: number }, genres: MeanVectors): Float32Array {
  const { dim } = users;
  const G = genres.has.length;
  const out = new Float32Array(users.nUsers * G).fill(Number.NaN);
  for (let u = 0; u < users.nUsers; u++) {
    if (users.has[u] !== 1) continue;
    for (let g = 0; g < G; g++) out[u * G + g] = cosineRows(users.vectors, u, genres.vectors, g, dim);
  }
  return out;
}

/** Genre × genre cosine, G × G, exactly symmetric (each pair is computed once) with 1 on the diagonal. */
export function genreGenreSimilarity(genres: MeanVectors): Float64Array {
  const G = genres.has.length;
  const out = new Float64Array(G * G);
  for (let a = 0; a < G; a++) {
    out[a * G + a] = genres.has[a] === 1 ? 1 : Number.NaN;
    for (let b = a + 1; b < G; b++) {
      const c = cosineRows(genres.vectors, a, genres.vectors, b, genres.dim);
      out[a * G + b] = c;
      out[b * G + a] = c;
    }
  }
  return out;
}
