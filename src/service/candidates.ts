import { kthLargest } from '../util/kth-largest.js';
import { popularityOrder } from './catalogue-stats.js';
import type { HybridParts } from './hybrid.js';

/**
 * The first stage of a two-stage recommend: a bounded set of movies the hybrid then ranks. Its
 * size does not grow with the catalogue — at most popular + perGenre × genres + itemItem + prescore +
 * neighbours × picks — and each source is a cheap, precomputed or sparse read.
 */
export interface CandidateSources {
  /** Most popular movies, overall and per genre (catalogue genre order). */
  popular: Uint32Array;
  popularByGenre: Uint32Array[];
  /** Precomputed nearest movies per movie (text and collaborative vectors), when the build made them. */
  neighbours: NeighbourLists | null;
}

/** CSR neighbour lists: row i's movies, nearest first. */
export interface NeighbourLists {
  offsets: Uint32Array;
  targets: Uint32Array;
}

export interface CandidateLimits {
  popular: number;
  perGenre: number;
  /** Strongest movies of the picks' summed item-item rows. */
  itemItem: number;
  /**
   * Best movies by the cheap part of the blend (popularity, genre, item-item and the fold-in's GMF
   * term, each on its catalogue z scale): one pass of ~factors multiply-adds per movie, where the
   * fold-in MLP costs ~2,500.
   */
  prescore: number;
  /** Neighbours read per pick. */
  neighboursPerPick: number;
}

/**
 * Sized on validation users (never the cold-start test users), against the full ranking's own top 10
 * (no relevance labels): recall of that top 10 in the candidates. The prescore alone kept ≥ 0.99 at
 * 30 movies; every source at these limits kept 1.000 at 1 / 3 / 5 / 10 picks on ml-100k and
 * ml-latest-small and for five picks from the 100 most popular (~130–195 candidates, where 50 / 10 /
 * 100 / 200 / 30 gave ~250–450). Every candidate costs an MLP pass and a text dot product, so the
 * smallest limits that keep the recall are the ones to ship; the prescore keeps at least k allowed
 * movies whatever these say.
 */
export const CANDIDATE_LIMITS: CandidateLimits = { popular: 20, perGenre: 5, itemItem: 50, prescore: 100, neighboursPerPick: 10 };

export function buildCandidateSources(
  parts: HybridParts,
  limits: CandidateLimits = CANDIDATE_LIMITS,
  neighbours: NeighbourLists | null = null,
  byPopularity: Uint32Array = popularityOrder(parts.popularity),
): CandidateSources {
  const G = parts.genres.names.length;
  const popularByGenre = Array.from({ length: G }, (_, g) =>
    byPopularity.filter((j) => parts.genres.membership[j * G + g] === 1).slice(0, limits.perGenre),
  );
  return { popular: byPopularity.slice(0, limits.popular), popularByGenre, neighbours };
}

export interface CandidateInput {
  liked: readonly number[];
  /** Genres to draw popular movies from besides the picks' own (a request's genre filter). */
  genres: readonly number[];
  /** The picks' accumulated item-item vector (sparse). */
  itemItem: { items: Uint32Array; values: Float64Array };
  /** The movies best by the cheap partial blend (prescore.ts), or null when there is nothing personal to score. */
  prescored: readonly number[] | null;
}

/** The candidate movies, ascending; `mark` is an nItems scratch buffer left zeroed. */
export function candidateSet(
  parts: HybridParts,
  sources: CandidateSources,
  input: CandidateInput,
  limits: CandidateLimits = CANDIDATE_LIMITS,
  mark: Uint8Array = new Uint8Array(parts.nItems),
): Uint32Array {
  const out: number[] = [];
  const add = (j: number) => {
    if (mark[j] === 1) return;
    mark[j] = 1;
    out.push(j);
  };
  for (const j of sources.popular) add(j);
  const G = parts.genres.names.length;
  const genres = new Set(input.genres);
  for (const i of input.liked) for (let g = 0; g < G; g++) if (parts.genres.membership[i * G + g] === 1) genres.add(g);
  for (const g of genres) for (const j of sources.popularByGenre[g] ?? []) add(j);
  for (const j of strongest(input.itemItem.items, input.itemItem.values, limits.itemItem)) add(j);
  for (const j of input.prescored ?? []) add(j);
  const lists = sources.neighbours;
  if (lists) {
    for (const i of input.liked) {
      const end = Math.min(lists.offsets[i + 1] as number, (lists.offsets[i] as number) + limits.neighboursPerPick);
      for (let k = lists.offsets[i] as number; k < end; k++) add(lists.targets[k] as number);
    }
  }
  for (const j of out) mark[j] = 0;
  return Uint32Array.from(out).sort();
}

/**
 * The k items with the largest values, ties to the lower item: the same set a full sort would
 * keep, by a quickselect threshold (the set is all the caller needs; it sorts the candidates).
 * A caller that already knows the k-th largest value passes it as `threshold`.
 */
export function strongest(items: ArrayLike<number>, values: ArrayLike<number>, k: number, threshold?: number): Uint32Array {
  if (items.length <= k) return Uint32Array.from(items);
  threshold ??= kthLargest(Float64Array.from(values), k);
  const out: number[] = [];
  const tied: number[] = [];
  for (let n = 0; n < items.length; n++) {
    const v = values[n] as number;
    if (v > threshold) out.push(items[n] as number);
    else if (v === threshold) tied.push(items[n] as number);
  }
  tied.sort((a, b) => a - b);
  for (let t = 0; out.length < k && t < tied.length; t++) out.push(tied[t] as number);
  return Uint32Array.from(out);
}
