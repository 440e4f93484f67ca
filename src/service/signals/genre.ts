import type { Catalogue } from '../../recsys/data/types.js';
import { buildGenreSpace } from '../../recsys/profiles/genres.js';
import { genreGenreSimilarity } from '../../recsys/profiles/similarity.js';
import { computeGenreEmbeddings, type MovieEmbeddings, presentRows } from '../../recsys/profiles/vectors.js';

/** Genre vectors (the seed's means of their movies), their similarity, and who is in which genre. */
export interface GenreModel {
  names: string[];
  /** nItems × G membership (1 = movie j has genre g). */
  membership: Uint8Array;
  /** G × dim, un-normalised means. */
  vectors: Float32Array;
  dim: number;
  /** G × G cosine; NaN where a genre has no vector. */
  similarity: Float64Array;
  /** Movies per genre (with a vector). */
  counts: Uint32Array;
}

export function buildGenreModel(catalogue: Catalogue, movies: MovieEmbeddings): GenreModel {
  const present = presentRows(movies, catalogue.movies.length);
  const space = buildGenreSpace(catalogue, present);
  const means = computeGenreEmbeddings(space, movies, present);
  return {
    names: space.names,
    membership: space.membership,
    vectors: means.vectors,
    dim: means.dim,
    similarity: genreGenreSimilarity(means),
    counts: means.counts,
  };
}

/** Cosine between the taste vector and each genre vector: the seed's user–genre similarity. */
export function genreAffinity(model: GenreModel, taste: Float32Array | null): Float64Array {
  const G = model.names.length;
  const out = new Float64Array(G);
  if (!taste) return out;
  const { dim, vectors } = model;
  let tn = 0;
  for (let d = 0; d < dim; d++) tn += (taste[d] as number) ** 2;
  for (let g = 0; g < G; g++) {
    let dot = 0;
    let gn = 0;
    for (let d = 0; d < dim; d++) {
      dot += (taste[d] as number) * (vectors[g * dim + d] as number);
      gn += (vectors[g * dim + d] as number) ** 2;
    }
    out[g] = tn > 0 && gn > 0 ? dot / Math.sqrt(tn * gn) : 0;
  }
  return out;
}

/**
 * Affinity widened through the genre–genre matrix (liking Sci-Fi says a little about Fantasy),
 * centred so that "average for this person" is 0; a movie scores the mean over its genres.
 */
export function genreScores(model: GenreModel, affinity: Float64Array, widen: number, out: Float32Array): void {
  const wide = centredGenreTaste(model, affinity, widen);
  for (let j = 0; j < out.length; j++) out[j] = genreScoreOf(model, wide, j);
}

/** Per genre: the widened affinity minus its mean over genres. */
export function centredGenreTaste(model: GenreModel, affinity: Float64Array, widen: number): Float64Array {
  const G = model.names.length;
  const wide = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    let s = 0;
    let norm = 0;
    for (let h = 0; h < G; h++) {
      const sim = model.similarity[g * G + h] as number;
      if (Number.isNaN(sim) || h === g) continue;
      s += sim * (affinity[h] as number);
      norm += Math.abs(sim);
    }
    wide[g] = (1 - widen) * (affinity[g] as number) + (norm > 0 ? (widen * s) / norm : 0);
  }
  const mean = wide.reduce((a, b) => a + b, 0) / Math.max(1, G);
  for (let g = 0; g < G; g++) wide[g] = (wide[g] as number) - mean;
  return wide;
}

/** Movie j's genre score: the mean centred taste over its genres (0 without genres). */
function genreScoreOf(model: GenreModel, centred: Float64Array, j: number): number {
  const G = model.names.length;
  let s = 0;
  let n = 0;
  for (let g = 0; g < G; g++) {
    if (model.membership[j * G + g] !== 1) continue;
    s += centred[g] as number;
    n++;
  }
  return n > 0 ? s / n : 0;
}
