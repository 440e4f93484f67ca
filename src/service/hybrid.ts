import type { MovieEmbeddings } from '../recsys/profiles/vectors.js';
import { contentScores, tasteVector } from './signals/content.js';
import { type FoldInModel, foldInScores } from './signals/fold-in.js';
import { type GenreModel, genreAffinity, genreScores } from './signals/genre.js';
import { itemItemScores, type SparseItemItem } from './signals/sparse-item-item.js';

/** The measured signals the hybrid blends, in a fixed order. */
export const SIGNALS = ['popularity', 'content', 'foldIn', 'itemItem', 'genre'] as const;
export type SignalName = (typeof SIGNALS)[number];
export type SignalWeights = Record<SignalName, number>;

/** Everything precomputed that a request reads; nothing here is trained on the request path. */
export interface HybridParts {
  nItems: number;
  /** log(1 + ratings) per movie. */
  popularity: Float32Array;
  movies: MovieEmbeddings;
  genres: GenreModel;
  foldIn: FoldInModel;
  /** Item-item for every rated movie (EASE head + shrunk-cosine tail, CSR). */
  itemItem: SparseItemItem;
}

/** Item indices (catalogue order) of what the person liked and disliked. */
export interface Picks {
  liked: readonly number[];
  disliked: readonly number[];
}

export interface SignalSettings {
  /**
   * How strongly a dislike counts against similar movies: inside a signal, relative to a like;
   * as the service's penalty, relative to the blend's total weight.
   */
  dislikeWeight: number;
  /** Share of genre affinity borrowed from similar genres. */
  genreWiden: number;
}

export const SIGNAL_DEFAULTS: SignalSettings = { dislikeWeight: 0.5, genreWiden: 0.3 };

/** Raw per-signal scores for every movie, plus the taste-side facts reasons are written from. */
export interface SignalRun {
  raw: Record<SignalName, Float32Array>;
  /** Affinity of the taste vector to each genre (seed's user–genre cosine). */
  affinity: Float64Array;
}

export function popularityPrior(counts: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: counts.length }, (_, j) => Math.log1p(counts[j] as number));
}

export function computeSignals(
  parts: HybridParts,
  picks: Picks,
  settings: SignalSettings = SIGNAL_DEFAULTS,
  only: readonly SignalName[] = SIGNALS,
): SignalRun {
  const n = parts.nItems;
  const raw = {} as Record<SignalName, Float32Array>;
  const taste = tasteVector(parts.movies, picks.liked, picks.disliked, settings.dislikeWeight);
  const affinity = genreAffinity(parts.genres, taste);
  for (const name of only) {
    const out = new Float32Array(n);
    if (name === 'popularity') out.set(parts.popularity);
    else if (name === 'content') contentScores(parts.movies, taste, out);
    // The fold-in vector is the likes' mean; dislikes lower their neighbours through `dislikePenalty`.
    else if (name === 'foldIn') foldInScores(parts.foldIn, picks.liked, out);
    else if (name === 'itemItem') itemItemScores(parts.itemItem, picks.liked, picks.disliked, settings.dislikeWeight, out);
    else genreScores(parts.genres, affinity, settings.genreWiden, out);
    raw[name] = out;
  }
  return { raw, affinity };
}

/**
 * How close each movie is to what the person disliked, ≥ 0 in z units: the positive part of the
 * z-scored item-item pull (Σ B[disliked, ·]) plus that of the text cosine to the disliked mean.
 * The service subtracts it after the blend, so a dislike only ever lowers scores: its neighbours
 * go down and the order among unrelated movies stays as it was.
 */
export function dislikePenalty(parts: HybridParts, disliked: readonly number[]): Float32Array {
  const n = parts.nItems;
  const pull = new Float32Array(n);
  itemItemScores(parts.itemItem, disliked, [], 0, pull);
  const text = new Float32Array(n);
  contentScores(parts.movies, tasteVector(parts.movies, disliked, [], 0), text);
  const zPull = standardize(pull);
  const zText = standardize(text);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = Math.max(0, zPull[j] as number) + Math.max(0, zText[j] as number);
  return out;
}

/** z-scores over the catalogue, so weights mean the same whatever a signal's scale; constant → 0. */
export function standardize(scores: Float32Array): Float32Array {
  let mean = 0;
  for (let j = 0; j < scores.length; j++) mean += scores[j] as number;
  mean /= Math.max(1, scores.length);
  let sq = 0;
  for (let j = 0; j < scores.length; j++) sq += ((scores[j] as number) - mean) ** 2;
  const sd = Math.sqrt(sq / Math.max(1, scores.length));
  const out = new Float32Array(scores.length);
  if (sd > 1e-12) for (let j = 0; j < scores.length; j++) out[j] = ((scores[j] as number) - mean) / sd;
  return out;
}

export function standardizeAll(raw: Partial<Record<SignalName, Float32Array>>): Partial<Record<SignalName, Float32Array>> {
  const out: Partial<Record<SignalName, Float32Array>> = {};
  for (const name of SIGNALS) {
    const r = raw[name];
    if (r) out[name] = standardize(r);
  }
  return out;
}

/**
 * Σ weight × z-score into `out`; signals with weight 0 (or not computed) are skipped. Generic in
 * the signal names so the known-user ranker (NeuMF, item-item, popularity) blends the same way.
 */
export function blend<N extends string = SignalName>(
  z: Partial<Record<N, Float32Array>>,
  weights: Record<N, number>,
  out: Float32Array,
): Float32Array {
  out.fill(0);
  for (const name of Object.keys(weights) as N[]) {
    const w = weights[name];
    const s = z[name];
    if (!s || w === 0) continue;
    for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) + w * (s[j] as number);
  }
  return out;
}

export function oneHot(name: SignalName): SignalWeights {
  return { popularity: 0, content: 0, foldIn: 0, itemItem: 0, genre: 0, [name]: 1 };
}
