import { ReelrecError } from '../errors.js';
import type { HybridParts } from './hybrid.js';
import { blend, standardize } from './hybrid.js';
import { itemItemScores } from './signals/sparse-item-item.js';

/**
 * The known-user ranker: for a MovieLens user of the training data, NeuMF's scores blended with
 * the item-item pull of everything they rated and popularity, each z-scored over the catalogue so
 * the weights (tuned on validation users, saved in the service artefact) mean the same whatever
 * a signal's scale. NeuMF alone measured 0.437 NDCG@10 on the ml-100k protocol, EASE 0.491.
 */
export const KNOWN_USER_SIGNALS = ['neumf', 'itemItem', 'popularity'] as const;
export type KnownUserSignal = (typeof KNOWN_USER_SIGNALS)[number];
export type KnownUserWeights = Record<KnownUserSignal, number>;
export type KnownUserZ = Partial<Record<KnownUserSignal, Float32Array>>;

/** What the service answered with before the ranker: NeuMF alone. */
export const NEUMF_ONLY: KnownUserWeights = { neumf: 1, itemItem: 0, popularity: 0 };

/** The parts of the hybrid the ranker reads (the bench builds just these, without embeddings). */
export type KnownUserParts = Pick<HybridParts, 'nItems' | 'popularity' | 'itemItem'>;

/** Scores every item for dense user `user` of the ratings NeuMF was trained on. */
export interface UserScorer {
  scoreUser(user: number, out: Float32Array): void;
}

/** z-scored signals for one known user; `seen` is every item they rated (what item-item reads). */
export function knownUserSignals(
  parts: KnownUserParts,
  neumf: UserScorer,
  user: number,
  seen: readonly number[],
  weights?: KnownUserWeights,
): KnownUserZ {
  const z: KnownUserZ = {};
  const wanted = (name: KnownUserSignal) => weights === undefined || weights[name] !== 0;
  if (wanted('neumf')) {
    const out = new Float32Array(parts.nItems);
    neumf.scoreUser(user, out);
    z.neumf = standardize(out);
  }
  if (wanted('itemItem')) {
    const out = new Float32Array(parts.nItems);
    // Every rating counts as an interaction, as in the item-item fit.
    itemItemScores(parts.itemItem, seen, [], 0, out);
    z.itemItem = standardize(out);
  }
  if (wanted('popularity')) z.popularity = standardize(parts.popularity);
  return z;
}

/** Blended scores for one known user, with the z-scores the reasons are read from. */
export function knownUserScores(
  parts: KnownUserParts,
  neumf: UserScorer,
  user: number,
  seen: readonly number[],
  weights: KnownUserWeights,
): { scores: Float32Array; z: KnownUserZ } {
  const z = knownUserSignals(parts, neumf, user, seen, weights);
  return { scores: blend(z, weights, new Float32Array(parts.nItems)), z };
}

export function parseKnownUserWeights(value: unknown, source: string): KnownUserWeights {
  const v = value as Partial<KnownUserWeights> | null;
  const ok =
    v !== null &&
    typeof v === 'object' &&
    KNOWN_USER_SIGNALS.every((s) => typeof v[s] === 'number' && Number.isFinite(v[s])) &&
    KNOWN_USER_SIGNALS.some((s) => v[s] !== 0);
  if (!ok) throw new ReelrecError('known_user_invalid', `${source}: not valid known-user weights (${KNOWN_USER_SIGNALS.join(', ')})`);
  return { neumf: v.neumf as number, itemItem: v.itemItem as number, popularity: v.popularity as number };
}
