import { type Progress, startProgress } from '../progress.js';
import { groupByUser, selectRows } from '../recsys/data/ratings-table.js';
import type { RatingsTable } from '../recsys/data/types.js';
import { createRng } from '../recsys/random.js';
import { popularityPrior } from './hybrid.js';
import { type KnownUserParts, type KnownUserWeights, knownUserSignals, NEUMF_ONLY, type UserScorer } from './known-user.js';
import { ratingCounts } from './parts.js';
import { fitSparseItemItem } from './signals/sparse-item-item.js';
import { meanNdcg, type TuningCase, tuneWeights } from './tune-blend.js';

/** Share of a validation user's ratings hidden from the tuning models (the ml-100k protocol's 25 %). */
const HIDDEN_SHARE = 0.25;
/** Share of the users (among those not held out for the blend) the known-user ranker is tuned on. */
export const KNOWN_USER_VALIDATION_SHARE = 0.2;
/** Enough users to tell weights apart; more only costs memory (3 × catalogue floats each). */
export const MAX_KNOWN_USER_VALIDATION = 300;
/** A user needs a few ratings for a quarter of them to be worth finding. */
const MIN_RATINGS = 8;

export interface KnownUserValidation {
  /** `ratings` without the hidden quarter of the validation users' ratings (same id maps). */
  train: RatingsTable;
  /** Dense user index → the items hidden from train, which the ranker should find. */
  hidden: Map<number, Set<number>>;
}

/**
 * Picks `share` of the users (at most MAX_KNOWN_USER_VALIDATION, among those with enough
 * ratings) and hides a random quarter of each one's ratings: they stay known users, as at serve
 * time, and what was hidden is what the tuned ranker must find. Seeded.
 */
export function knownUserValidation(ratings: RatingsTable, share: number, seed: number): KnownUserValidation {
  const groups = groupByUser(ratings);
  const count = (u: number) => (groups.offsets[u + 1] as number) - (groups.offsets[u] as number);
  const candidates = Array.from({ length: ratings.userIds.length }, (_, u) => u).filter((u) => count(u) >= MIN_RATINGS);
  const rng = createRng(seed);
  rng.shuffle(candidates);
  const users = candidates.slice(0, Math.min(MAX_KNOWN_USER_VALIDATION, Math.round(share * candidates.length)));
  const hiddenRow = new Uint8Array(ratings.length);
  const hidden = new Map<number, Set<number>>();
  for (const u of users) {
    const rows = Array.from(groups.order.subarray(groups.offsets[u] as number, groups.offsets[u + 1] as number));
    rng.shuffle(rows);
    const items = new Set<number>();
    for (const r of rows.slice(0, Math.round(HIDDEN_SHARE * rows.length))) {
      hiddenRow[r] = 1;
      items.add(ratings.item[r] as number);
    }
    hidden.set(u, items);
  }
  const kept: number[] = [];
  for (let r = 0; r < ratings.length; r++) if (hiddenRow[r] === 0) kept.push(r);
  return { train: selectRows(ratings, kept), hidden };
}

export interface KnownUserTuning {
  weights: KnownUserWeights;
  /** Validation NDCG@10 with the tuned weights and with NeuMF alone, over `users`. */
  ndcg: number;
  neumfOnlyNdcg: number;
  users: number;
}

/**
 * Tunes the known-user weights with the cold-start tuner's coordinate ascent, on models (`parts`,
 * `neumf`) fitted to `validation.train`. NeuMF alone is kept unless the tuned weights beat it,
 * so the result is never worse than NeuMF on these users.
 */
export function tuneKnownUser(parts: KnownUserParts, neumf: UserScorer, validation: KnownUserValidation): KnownUserTuning {
  const seen = seenItems(validation.train);
  const prepare = startProgress('known-user tuning: signals', validation.hidden.size, 'users');
  const cases: TuningCase<keyof KnownUserWeights>[] = [];
  for (const [user, relevant] of validation.hidden) {
    const picks = seen(user);
    cases.push({ z: knownUserSignals(parts, neumf, user, picks), picks, relevant });
    prepare.increment();
  }
  prepare.stop();
  const search: Progress = startProgress('known-user tuning: weights', 1, 'trials');
  const tuned = tuneWeights(cases, parts.nItems, { neumf: 1, itemItem: 1, popularity: 1 }, search);
  search.stop();
  const neumfOnlyNdcg = meanNdcg(cases, NEUMF_ONLY, parts.nItems);
  // A tie (or no validation user at all) keeps NeuMF alone: the simpler answer.
  const best = tuned.ndcg > neumfOnlyNdcg ? tuned : { weights: { ...NEUMF_ONLY }, ndcg: neumfOnlyNdcg };
  return { weights: best.weights, ndcg: best.ndcg, neumfOnlyNdcg, users: cases.length };
}

/** Popularity and item-item fitted to `train`: what the known-user ranker reads besides NeuMF. */
export function knownUserParts(train: RatingsTable): KnownUserParts {
  return { nItems: train.itemIds.length, popularity: popularityPrior(ratingCounts(train)), itemItem: fitSparseItemItem(train) };
}

/** Dense user → every item they rated in `ratings`. */
export function seenItems(ratings: RatingsTable): (user: number) => number[] {
  const groups = groupByUser(ratings);
  return (user) => {
    const items: number[] = [];
    for (let k = groups.offsets[user] as number; k < (groups.offsets[user + 1] as number); k++)
      items.push(ratings.item[groups.order[k] as number] as number);
    return items;
  };
}
