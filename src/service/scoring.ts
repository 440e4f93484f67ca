import { topK } from '../recsys/eval/top-k.js';
import {
  blend,
  computeSignals,
  dislikePenalty,
  type HybridParts,
  type Picks,
  SIGNALS,
  type SignalSettings,
  type SignalWeights,
  standardizeAll,
} from './hybrid.js';
import { type Scored, scoreTwoStage, type TwoStageIndex, type TwoStageRequest } from './two-stage.js';

/** Full-catalogue ranking (every movie scored) or two-stage (candidates, then the hybrid on them). */
export type RankingMode = 'two-stage' | 'full';

/**
 * Every movie scored by every signal, z-scored over the catalogue and blended; dislikes act once,
 * as a penalty after the blend, so they cannot reshuffle the liked signals.
 */
export function scoreFull(parts: HybridParts, picks: Picks, weights: SignalWeights, settings: SignalSettings): Scored {
  const needed = SIGNALS.filter((s) => weights[s] !== 0);
  const run = computeSignals(parts, { liked: picks.liked, disliked: [] }, settings, needed);
  const z = standardizeAll(run.raw);
  const scores = blend(z, weights, new Float32Array(parts.nItems));
  if (picks.disliked.length > 0) {
    const penalty = dislikePenalty(parts, picks.disliked);
    const scale = settings.dislikeWeight * SIGNALS.reduce((sum, s) => sum + Math.abs(weights[s]), 0);
    for (let j = 0; j < scores.length; j++) scores[j] = (scores[j] as number) - scale * (penalty[j] as number);
  }
  return { z, scores, affinity: run.affinity, candidates: null };
}

/** One request's scores: two-stage with an index, every movie without one. */
export function scoreRequest(
  parts: HybridParts,
  index: TwoStageIndex | null,
  picks: Picks,
  weights: SignalWeights,
  settings: SignalSettings,
  request: TwoStageRequest = {},
): Scored {
  return index ? scoreTwoStage(parts, index, picks, weights, settings, request) : scoreFull(parts, picks, weights, settings);
}

/** The k best movies of a scored request, never outside its candidates; ties go to the lower movie index. */
export function topOf(scored: Scored, k: number, exclude: Uint8Array): Uint32Array {
  const { candidates, scores } = scored;
  if (!candidates) return topK(scores, k, exclude);
  const skip = new Uint8Array(candidates.length);
  for (let c = 0; c < candidates.length; c++) skip[c] = exclude[candidates[c] as number] as number;
  // Candidates are in ascending movie order, so topK's tie rule (lower index) is still the lower movie.
  return Uint32Array.from(topK(scores, k, skip), (c) => candidates[c] as number);
}

/** Where a movie's values are in a scored request's arrays: its candidate index (−1 if not one), or itself. */
export function slotOf(scored: Scored, item: number): number {
  return scored.candidates ? scored.candidates.indexOf(item) : item;
}

/** A scored request's blended scores per movie, −∞ outside its candidates (for evaluating against the full ranking). */
export function catalogueScores(scored: Scored, nItems: number): Float32Array {
  const { candidates, scores } = scored;
  if (!candidates) return scores;
  const out = new Float32Array(nItems).fill(Number.NEGATIVE_INFINITY);
  for (let c = 0; c < candidates.length; c++) out[candidates[c] as number] = scores[c] as number;
  return out;
}
