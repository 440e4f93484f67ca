import type { RatingsTable } from '../recsys/data/types.js';
import { ndcgAtK } from '../recsys/eval/metrics.js';
import { topK } from '../recsys/eval/top-k.js';
import { BLEND_BUCKETS, type BlendWeights } from './blend-weights.js';
import { type ColdStartCase, drawCases } from './cold-start.js';
import {
  blend,
  computeSignals,
  type HybridParts,
  SIGNALS,
  type SignalName,
  type SignalSettings,
  type SignalWeights,
  standardizeAll,
} from './hybrid.js';

/** Weight values coordinate ascent tries for each signal (weights are relative: z-scores are summed). */
const GRID = [0, 0.1, 0.25, 0.5, 1, 2, 4];
const PASSES = 3;

interface Prepared {
  z: Partial<Record<SignalName, Float32Array>>;
  picks: number[];
  relevant: Set<number>;
}

function meanNdcg(prepared: readonly Prepared[], weights: SignalWeights, nItems: number): number {
  const scores = new Float32Array(nItems);
  const exclude = new Uint8Array(nItems);
  let total = 0;
  for (const p of prepared) {
    blend(p.z, weights, scores);
    for (const i of p.picks) exclude[i] = 1;
    total += ndcgAtK(topK(scores, 10, exclude), p.relevant, 10);
    for (const i of p.picks) exclude[i] = 0;
  }
  return prepared.length > 0 ? total / prepared.length : 0;
}

/** Coordinate ascent on mean NDCG@10 from equal weights; a change must improve, so ties keep the simpler start. */
export function tuneWeights(prepared: readonly Prepared[], nItems: number): { weights: SignalWeights; ndcg: number } {
  const weights: SignalWeights = { popularity: 1, content: 1, foldIn: 1, itemItem: 1, genre: 1 };
  let best = meanNdcg(prepared, weights, nItems);
  for (let pass = 0; pass < PASSES; pass++) {
    let changed = false;
    for (const name of SIGNALS) {
      const current = weights[name];
      for (const value of GRID) {
        if (value === current) continue;
        const trial = { ...weights, [name]: value };
        const ndcg = meanNdcg(prepared, trial, nItems);
        if (ndcg > best + 1e-9) {
          best = ndcg;
          weights[name] = value;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return { weights, ndcg: best };
}

export interface BlendTuning {
  blend: BlendWeights;
  /** Validation NDCG@10 per bucket with the tuned weights. */
  validation: Array<{ upTo: number; cases: number; ndcg: number }>;
}

/**
 * Tunes one weight vector per pick-count bucket on validation users (never the test users),
 * with signals computed from parts fitted without those users.
 */
export function tuneBlend(
  parts: HybridParts,
  ratings: RatingsTable,
  validationUsers: readonly number[],
  settings: SignalSettings,
  seed: number,
): BlendTuning {
  const buckets: BlendWeights['buckets'] = [];
  const validation: BlendTuning['validation'] = [];
  for (const bucket of BLEND_BUCKETS) {
    const cases: ColdStartCase[] = bucket.evalPicks.flatMap((n) => drawCases(ratings, validationUsers, n, seed));
    const prepared = cases.map((c) => ({
      z: standardizeAll(computeSignals(parts, { liked: c.picks, disliked: [] }, settings).raw),
      picks: c.picks,
      relevant: c.relevant,
    }));
    const { weights, ndcg } = tuneWeights(prepared, parts.nItems);
    buckets.push({ upTo: bucket.upTo, weights });
    validation.push({ upTo: bucket.upTo, cases: cases.length, ndcg });
  }
  return { blend: { buckets, tunedOn: `${validationUsers.length} validation users, NDCG@10, seed ${seed}` }, validation };
}
