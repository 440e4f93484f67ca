import type { RankingMetrics } from '../../recsys/eval/metrics.js';
import { topK } from '../../recsys/eval/top-k.js';
import { type ColdStartCase, evaluateCases } from '../../service/cold-start.js';
import { type HybridParts, SIGNAL_DEFAULTS, type SignalWeights } from '../../service/hybrid.js';
import { catalogueScores } from '../../service/scoring.js';
import { scoreTwoStage, type TwoStageIndex } from '../../service/two-stage.js';

export interface CandidateStageResult {
  /** Share of the full-catalogue hybrid's top k that the candidates contain (micro-averaged). */
  recall: number;
  /** Cases where the candidates missed at least one of the full top k. */
  casesWithMiss: number;
  twoStage: RankingMetrics;
  /** Candidate-set sizes and two-stage scoring time, one per case. */
  sizes: number[];
  ms: number[];
}

/**
 * The two-stage path measured against the full ranking on the same cases: does the first stage
 * keep what the full hybrid would answer, and what does ranking only the candidates cost in NDCG.
 */
export function measureCandidateStage(
  parts: HybridParts,
  index: TwoStageIndex,
  cases: readonly ColdStartCase[],
  weights: SignalWeights,
  fullScores: (c: ColdStartCase) => Float32Array,
  k: number,
): CandidateStageResult {
  const n = parts.nItems;
  const exclude = new Uint8Array(n);
  const scored = new Map<ColdStartCase, Float32Array>();
  const sizes: number[] = [];
  const ms: number[] = [];
  let found = 0;
  let wanted = 0;
  let casesWithMiss = 0;
  for (const c of cases) {
    const started = performance.now();
    const run = scoreTwoStage(parts, index, { liked: c.picks, disliked: [] }, weights, SIGNAL_DEFAULTS);
    ms.push(performance.now() - started);
    const candidates = run.candidates as Uint32Array;
    sizes.push(candidates.length);
    scored.set(c, catalogueScores(run, n));
    for (const p of c.picks) exclude[p] = 1;
    const top = topK(fullScores(c), k, exclude);
    for (const p of c.picks) exclude[p] = 0;
    const inSet = new Set(candidates);
    const hits = Array.from(top).filter((j) => inSet.has(j)).length;
    found += hits;
    wanted += top.length;
    if (hits < top.length) casesWithMiss++;
  }
  const twoStage = evaluateCases(cases, n, (c) => scored.get(c) as Float32Array, k);
  return { recall: wanted > 0 ? found / wanted : 1, casesWithMiss, twoStage, sizes, ms };
}

/** The value at quantile p of ascending-sorted values (nearest rank). */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}
