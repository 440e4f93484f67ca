import { ReelrecError } from '../errors.js';
import { SIGNALS, type SignalName, type SignalWeights } from './hybrid.js';

/**
 * Blend weights by how many movies the person picked: a one-pick list says little, so popularity
 * carries more weight there; longer lists lean on the personal signals. Tuned on validation users.
 */
export interface BlendWeights {
  /** Ascending `upTo`; a list of n picks uses the first bucket with n ≤ upTo (the last one otherwise). */
  buckets: Array<{ upTo: number; weights: SignalWeights }>;
  /** How they were obtained (validation users, objective, seed). */
  tunedOn: string;
}

/** Pick-count buckets the tuner fits and the sizes it evaluates each at. */
export const BLEND_BUCKETS: Array<{ upTo: number; evalPicks: number[] }> = [
  { upTo: 1, evalPicks: [1] },
  { upTo: 3, evalPicks: [2, 3] },
  { upTo: 7, evalPicks: [5] },
  { upTo: Number.MAX_SAFE_INTEGER, evalPicks: [10] },
];

/** With nothing liked there is no taste to follow: popularity (dislikes still apply as the penalty). */
export const NO_LIKES_WEIGHTS: SignalWeights = { popularity: 1, content: 0, foldIn: 0, itemItem: 0, genre: 0 };

export function weightsFor(blend: BlendWeights, picks: number): SignalWeights {
  if (blend.buckets.length === 0) throw new ReelrecError('blend_empty', 'blend weights have no buckets');
  const bucket = blend.buckets.find((b) => picks <= b.upTo) ?? blend.buckets[blend.buckets.length - 1];
  return (bucket as BlendWeights['buckets'][number]).weights;
}

export function parseBlendWeights(value: unknown, source: string): BlendWeights {
  const v = value as BlendWeights;
  const ok =
    v &&
    Array.isArray(v.buckets) &&
    v.buckets.length > 0 &&
    v.buckets.every(
      (b) =>
        b !== null &&
        typeof b === 'object' &&
        typeof b.upTo === 'number' &&
        b.weights &&
        SIGNALS.every((s: SignalName) => typeof b.weights[s] === 'number' && Number.isFinite(b.weights[s])),
    );
  if (!ok) throw new ReelrecError('blend_invalid', `${source}: not a valid blend-weights file`);
  return { buckets: v.buckets, tunedOn: String(v.tunedOn ?? 'unknown') };
}

/**
 * Used when a dataset has too few users to hold some out for tuning: the weights the cold-start
 * benchmark tuned on ml-100k validation users (bench/results/cold-start.json).
 */
export const ML100K_BLEND: BlendWeights = {
  buckets: [
    { upTo: 1, weights: { popularity: 4, content: 0.1, foldIn: 4, itemItem: 0.5, genre: 0.5 } },
    { upTo: 3, weights: { popularity: 4, content: 0.1, foldIn: 2, itemItem: 0.5, genre: 0.25 } },
    { upTo: 7, weights: { popularity: 4, content: 0, foldIn: 2, itemItem: 1, genre: 0.1 } },
    { upTo: Number.MAX_SAFE_INTEGER, weights: { popularity: 2, content: 0.1, foldIn: 4, itemItem: 1, genre: 2 } },
  ],
  tunedOn: 'ml-100k validation users (cold-start benchmark); this dataset had too few users to tune its own',
};
