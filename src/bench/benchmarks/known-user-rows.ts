import { startProgress } from '../../progress.js';
import type { RatingsTable } from '../../recsys/data/types.js';
import type { Recommender } from '../../recsys/eval/index.js';
import { neumfConfig } from '../../recsys/ncf/config.js';
import { NeuMF } from '../../recsys/ncf/neumf.js';
import { type KnownUserParts, type KnownUserWeights, knownUserScores, type UserScorer } from '../../service/known-user.js';
import { itemItemScores } from '../../service/signals/sparse-item-item.js';
import {
  KNOWN_USER_VALIDATION_SHARE,
  type KnownUserTuning,
  knownUserParts,
  knownUserValidation,
  seenItems,
  tuneKnownUser,
} from '../../service/tune-known-user.js';

/** Item-item alone as a recommender: each user scored by the pull of everything they rated. */
export function itemItemRecommender(parts: KnownUserParts): Recommender {
  let seen: ((user: number) => number[]) | null = null;
  return {
    name: 'item-item (EASE head + cosine tail)',
    async fit(train) {
      seen = seenItems(train);
    },
    scoreUser(user, out) {
      out.fill(0);
      itemItemScores(parts.itemItem, seen?.(user) ?? [], [], 0, out);
    },
  };
}

/** The shipped known-user ranker as a recommender, over an already fitted NeuMF. */
export function knownUserRecommender(parts: KnownUserParts, neumf: UserScorer, weights: KnownUserWeights): Recommender {
  let seen: ((user: number) => number[]) | null = null;
  return {
    name: 'known-user ranker',
    async fit(train) {
      seen = seenItems(train);
    },
    scoreUser(user, out) {
      out.set(knownUserScores(parts, neumf, user, seen?.(user) ?? [], weights).scores);
    },
  };
}

/**
 * Tunes the ranker's weights as the build does, but inside the train half only: a quarter of
 * some train users' ratings hidden, a NeuMF and the item-item model fitted without them.
 */
export async function tuneKnownUserOnTrain(
  train: RatingsTable,
  seed: number,
  datasetName: string,
): Promise<KnownUserTuning & { neumfSeconds: number }> {
  const validation = knownUserValidation(train, KNOWN_USER_VALIDATION_SHARE, seed + 2);
  const model = new NeuMF(
    { seed },
    { datasetName, label: 'known-user-tuning', progress: startProgress('NeuMF for known-user tuning', neumfConfig().epochs, 'batches') },
  );
  try {
    await model.fit(validation.train);
    const tuning = tuneKnownUser(knownUserParts(validation.train), model, validation);
    return { ...tuning, neumfSeconds: model.training?.seconds ?? 0 };
  } finally {
    model.dispose();
  }
}
