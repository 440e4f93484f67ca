import { type Progress, SILENT_PROGRESS, startProgress } from '../progress.js';
import type { RatingsTable } from '../recsys/data/types.js';
import { ndcgAtK } from '../recsys/eval/metrics.js';
import { topK } from '../recsys/eval/top-k.js';
import { BLEND_BUCKETS, type BlendWeights } from './blend-weights.js';
import { type ColdStartCase, drawCases } from './cold-start.js';
import { blend, computeSignals, type HybridParts, type SignalName, type SignalSettings, standardizeAll } from './hybrid.js';

/** Weight values coordinate ascent tries for each signal (weights are relative: z-scores are summed). */
const GRID = [0, 0.1, 0.25, 0.5, 1, 2, 4];
const PASSES = 3;
/**
 * Blend validation users at most. Each case keeps five z-scored signals over the whole catalogue
 * (1.2 MB at 62,000 movies), and at 25 M ratings 10 % of the users made 15,700 cases per pick
 * count, ~31 min of scoring each. ml-100k tunes on 94 users (113 in the cold-start bench) and
 * ml-latest-small on 61, so the cap changes neither; at ml-25m size it bounds each pick count to
 * 600 cases (PICK_DRAWS × 200).
 */
export const MAX_BLEND_VALIDATION_USERS = 200;
/**
 * Pick sets drawn per validation user and pick count. With one draw, which movies happened to be
 * drawn as the picks swayed the tuned weights: a retrained NeuMF moved the cold-start bench's
 * 3-pick hybrid from 0.498 to 0.482 through the weights alone (fold-in only: 0.4227 → 0.4222).
 */
export const PICK_DRAWS = 3;

/** One validation case: z-scored signals, the movies it must not return, the ones it should find. */
export interface TuningCase<N extends string = SignalName> {
  z: Partial<Record<N, Float32Array>>;
  /** Excluded from its top 10: the picks (cold start) or everything the user rated (known users). */
  picks: readonly number[];
  relevant: Set<number>;
}

export function meanNdcg<N extends string>(prepared: readonly TuningCase<N>[], weights: Record<N, number>, nItems: number): number {
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

/**
 * Coordinate ascent on mean NDCG@10 from `start` (equal weights unless given); a change must
 * improve, so ties keep the simpler start. One progress step per weight tried.
 */
export function tuneWeights<N extends string = SignalName>(
  prepared: readonly TuningCase<N>[],
  nItems: number,
  start: Record<N, number> = { popularity: 1, content: 1, foldIn: 1, itemItem: 1, genre: 1 } as Record<N, number>,
  progress: Progress = SILENT_PROGRESS,
): { weights: Record<N, number>; ndcg: number } {
  const weights = { ...start };
  const names = Object.keys(start) as N[];
  progress.setTotal(PASSES * names.length * GRID.length);
  let best = meanNdcg(prepared, weights, nItems);
  for (let pass = 0; pass < PASSES; pass++) {
    let changed = false;
    for (const name of names) {
      const current = weights[name];
      for (const value of GRID) {
        progress.increment();
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
    const cases: ColdStartCase[] = bucket.evalPicks.flatMap((n) =>
      Array.from({ length: PICK_DRAWS }, (_, draw) => drawCases(ratings, validationUsers, n, seed + draw * 1009)).flat(),
    );
    const progress = startProgress(`blend tuning (${bucket.evalPicks.join('/')} picks): signals`, cases.length, 'cases');
    const prepared = cases.map((c) => {
      progress.increment();
      return {
        z: standardizeAll(computeSignals(parts, { liked: c.picks, disliked: [] }, settings).raw),
        picks: c.picks,
        relevant: c.relevant,
      };
    });
    progress.stop();
    const search = startProgress(`blend tuning (${bucket.evalPicks.join('/')} picks): weights`, 1, 'trials');
    const { weights, ndcg } = tuneWeights(prepared, parts.nItems, undefined, search);
    search.stop();
    buckets.push({ upTo: bucket.upTo, weights });
    validation.push({ upTo: bucket.upTo, cases: cases.length, ndcg });
  }
  return {
    blend: { buckets, tunedOn: `${validationUsers.length} validation users × ${PICK_DRAWS} pick draws, NDCG@10, seed ${seed}` },
    validation,
  };
}
