import {
  buildCandidateSources,
  CANDIDATE_LIMITS,
  type CandidateLimits,
  type CandidateSources,
  candidateSet,
  type NeighbourLists,
} from './candidates.js';
import {
  buildCatalogueStats,
  type CatalogueStats,
  contentMoments,
  genreMoments,
  genreSetScores,
  type Moments,
  momentsOf,
  popularityOrder,
  sparseMoments,
  zOf,
} from './catalogue-stats.js';
import { type HybridParts, type Picks, SIGNALS, type SignalName, type SignalSettings, type SignalWeights } from './hybrid.js';
import { buildPrescoreBlocks, type PrescoreBlocks, prescoreTop } from './prescore.js';
import { dotRows, tasteVector } from './signals/content.js';
import { foldInUser, scoreItemsWithUserVector, scoreWithUserVector } from './signals/fold-in.js';
import { centredGenreTaste, genreAffinity } from './signals/genre.js';
import { accumulateItemItem } from './signals/sparse-item-item.js';

/** What a two-stage request reads besides the hybrid parts; built once with the service. */
export interface TwoStageIndex {
  stats: CatalogueStats;
  sources: CandidateSources;
  limits: CandidateLimits;
  /**
   * Each movie's fold-in MLP logit for the mean user (the fold-in's starting point): the prescore's
   * stand-in for the MLP, which a request only runs on candidates.
   */
  mlpPrior: Float32Array;
  /** Bounds that let a request score only the part of the catalogue that can reach the prescore's top. */
  prescore: PrescoreBlocks;
  /**
   * nItems work buffers a request borrows and leaves zeroed (scoring is synchronous, so one request
   * at a time per thread): saves two catalogue-sized allocations a request.
   */
  scratch: { values: Float64Array; mark: Uint8Array };
}

/** The read-only part of a TwoStageIndex: built once and shared by every thread (see RankingModel.twoStage). */
export type SharedTwoStageIndex = Omit<TwoStageIndex, 'scratch'>;

export function buildTwoStageIndex(
  parts: HybridParts,
  options: { limits?: CandidateLimits; neighbours?: NeighbourLists | null; foldInSample?: number } = {},
): TwoStageIndex {
  return withScratch(buildSharedTwoStageIndex(parts, options), parts.nItems);
}

export function buildSharedTwoStageIndex(
  parts: HybridParts,
  options: { limits?: CandidateLimits; neighbours?: NeighbourLists | null; foldInSample?: number } = {},
): SharedTwoStageIndex {
  const limits = options.limits ?? CANDIDATE_LIMITS;
  const prior = mlpPrior(parts);
  const byPopularity = popularityOrder(parts.popularity);
  return {
    stats: buildCatalogueStats(parts, options.foldInSample),
    sources: buildCandidateSources(parts, limits, options.neighbours ?? null, byPopularity),
    limits,
    mlpPrior: prior,
    prescore: buildPrescoreBlocks(parts, prior, byPopularity),
  };
}

/** A shared index with this thread's own work buffers. */
export function withScratch(index: SharedTwoStageIndex, nItems: number): TwoStageIndex {
  return { ...index, scratch: { values: new Float64Array(nItems), mark: new Uint8Array(nItems) } };
}

/**
 * A ranked request's z-scores and blended scores: one value per candidate (index c for movie
 * candidates[c]), or per movie when `candidates` is null (the full ranking). Candidate-sized arrays
 * keep a request's work in proportion to its candidates, not to the catalogue (see slotOf).
 */
export interface Scored {
  z: Partial<Record<SignalName, Float32Array>>;
  scores: Float32Array;
  affinity: Float64Array;
  candidates: Uint32Array | null;
}

/** What of a request besides the picks shapes its candidates. */
export interface TwoStageRequest {
  /** A genre filter's genre indices: the candidates include their popular movies. */
  genres?: readonly number[];
  /** Movies that may not be returned (picks, exclusions, a genre filter's others): never prescored. */
  exclude?: Uint8Array | null;
  /** Movies the answer needs: the prescore keeps at least this many that `exclude` allows. */
  k?: number;
}

/**
 * The hybrid on the candidates only: each signal is scored at the candidates and z-scored with its
 * catalogue moments, so a candidate gets the score the full ranking gives it (exactly, except for
 * the fold-in's sampled moments on catalogues bigger than the sample). Dislikes are the same
 * penalty as `dislikePenalty`, with exact moments. Scores outside the candidates are −∞.
 */
export function scoreTwoStage(
  parts: HybridParts,
  index: TwoStageIndex,
  picks: Picks,
  weights: SignalWeights,
  settings: SignalSettings,
  request: TwoStageRequest = {},
): Scored {
  const n = parts.nItems;
  const { stats } = index;
  const { liked, disliked } = picks;
  const taste = tasteVector(parts.movies, liked, [], settings.dislikeWeight);
  const affinity = genreAffinity(parts.genres, taste);
  const scratch = index.scratch.values;
  const itemItem = accumulateItemItem(parts.itemItem, liked, [], settings.dislikeWeight, scratch);
  const user = liked.length > 0 || weights.foldIn !== 0 ? foldInUser(parts.foldIn, liked) : null;

  // Each signal's catalogue moments first: the first stage's prescore is on the same z scale.
  const moments: Partial<Record<SignalName, Moments>> = {
    popularity: stats.popularity,
    itemItem: sparseMoments(itemItem.values, n),
  };
  const genreSets = genreSetScores(stats, centredGenreTaste(parts.genres, affinity, settings.genreWiden));
  moments.genre = genreMoments(stats, genreSets);
  if (weights.content !== 0) moments.content = contentMoments(stats, taste);
  if (weights.foldIn !== 0 && user) {
    const sample = new Float64Array(stats.foldInSample.length);
    scoreItemsWithUserVector(parts.foldIn, user.gmf, user.mlp, stats.foldInSample, sample);
    moments.foldIn = momentsOf(sample);
  }
  // Only movies the answer may hold are prescored, and at least k of them: a genre filter or a long
  // exclusion list still gets a full answer from the candidates.
  const prescored = prescoreTop(
    parts,
    index.prescore,
    {
      weights,
      moments,
      genreSets,
      setOf: stats.genreSets.setOf,
      mlpPrior: index.mlpPrior,
      itemItem,
      gmf: user?.gmf ?? null,
      exclude: request.exclude ?? null,
    },
    Math.max(index.limits.prescore, request.k ?? 0),
    index.scratch.mark,
  ).top;
  const candidates = candidateSet(
    parts,
    index.sources,
    { liked, genres: request.genres ?? [], itemItem, prescored },
    index.limits,
    index.scratch.mark,
  );
  const m = candidates.length;

  const z: Partial<Record<SignalName, Float32Array>> = {};
  const raw = new Float64Array(m);
  for (const name of SIGNALS) {
    if (weights[name] === 0) continue;
    if (name === 'popularity') {
      for (let c = 0; c < m; c++) raw[c] = parts.popularity[candidates[c] as number] as number;
    } else if (name === 'content') {
      contentAt(parts, taste, candidates, raw);
    } else if (name === 'foldIn') {
      const u = user as { gmf: Float32Array; mlp: Float32Array };
      scoreItemsWithUserVector(parts.foldIn, u.gmf, u.mlp, candidates, raw);
    } else if (name === 'itemItem') {
      valuesAt(itemItem, candidates, scratch, raw);
    } else {
      for (let c = 0; c < m; c++) raw[c] = genreSets[stats.genreSets.setOf[candidates[c] as number] as number] as number;
    }
    const out = new Float32Array(m);
    const signalMoments = moments[name] as Moments;
    for (let c = 0; c < m; c++) out[c] = zOf(Math.fround(raw[c] as number), signalMoments);
    z[name] = out;
  }

  const scores = new Float32Array(m);
  // Summed in `blend`'s order (SIGNALS, zero weights skipped) with its Float32 rounding, so equal
  // inputs give equal scores; the weighted signals are listed once, not looked up per candidate.
  const terms = SIGNALS.flatMap((name) => {
    const s = z[name];
    return s && weights[name] !== 0 ? [{ w: weights[name], s }] : [];
  });
  for (let c = 0; c < m; c++) {
    // Math.fround after each term: the rounding `blend` gets from its Float32Array accumulator.
    let sum = 0;
    for (let t = 0; t < terms.length; t++) {
      const { w, s } = terms[t] as { w: number; s: Float32Array };
      sum = Math.fround(sum + w * (s[c] as number));
    }
    scores[c] = sum;
  }
  if (disliked.length > 0) {
    const scale = settings.dislikeWeight * SIGNALS.reduce((sum, s) => sum + Math.abs(weights[s]), 0);
    const pull = accumulateItemItem(parts.itemItem, disliked, [], 0, scratch);
    const pullMoments = sparseMoments(pull.values, n);
    const dislikedTaste = tasteVector(parts.movies, disliked, [], 0);
    const textMoments = contentMoments(index.stats, dislikedTaste);
    const pullAt = new Float64Array(m);
    valuesAt(pull, candidates, scratch, pullAt);
    contentAt(parts, dislikedTaste, candidates, raw);
    for (let c = 0; c < m; c++) {
      const zPull = Math.fround(zOf(Math.fround(pullAt[c] as number), pullMoments));
      const zText = Math.fround(zOf(Math.fround(raw[c] as number), textMoments));
      const penalty = Math.fround(Math.max(0, zPull) + Math.max(0, zText));
      scores[c] = (scores[c] as number) - scale * penalty;
    }
  }
  return { z, scores, affinity, candidates };
}

/** taste · v for the listed movies (0 without taste), as `contentScores` sums it. */
function contentAt(parts: HybridParts, taste: Float32Array | null, items: Uint32Array, out: Float64Array): void {
  const { dim, vectors } = parts.movies;
  if (!taste) {
    out.fill(0, 0, items.length);
    return;
  }
  dotRows(taste, vectors, dim, items, items.length, out);
}

/** A sparse vector's values at the listed movies (0 elsewhere), through a zeroed nItems scratch. */
function valuesAt(vector: { items: Uint32Array; values: Float64Array }, at: Uint32Array, scratch: Float64Array, out: Float64Array): void {
  for (let k = 0; k < vector.items.length; k++) scratch[vector.items[k] as number] = vector.values[k] as number;
  for (let c = 0; c < at.length; c++) out[c] = scratch[at[c] as number] as number;
  for (let k = 0; k < vector.items.length; k++) scratch[vector.items[k] as number] = 0;
}

function mlpPrior(parts: HybridParts): Float32Array {
  const { foldIn } = parts;
  const out = new Float32Array(foldIn.nItems);
  scoreWithUserVector(foldIn, new Float32Array(foldIn.factors), foldIn.initMlp, out);
  return out;
}
