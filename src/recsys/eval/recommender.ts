import type { RatingsTable } from '../data/types.js';
import { topK } from './top-k.js';

/** What every model (most-popular, NeuMF, …) implements so one harness can evaluate them all. */
export interface Recommender {
  readonly name: string;
  fit(train: RatingsTable): Promise<void>;
  /** Writes a score for every item index (length = train.itemIds.length) for dense user index `user`; higher is better. */
  scoreUser(user: number, out: Float32Array): void | Promise<void>;
  /**
   * Optional batched form: scores for `users` written row by row into `out`
   * (length users.length × items). Neural models implement it, since one call per user wastes
   * most of the time on dispatch.
   */
  scoreUsers?(users: Uint32Array, out: Float32Array): void | Promise<void>;
}

/** Users scored per scoreUsers call: big enough to amortise dispatch, small enough for memory. */
export const SCORE_BATCH_USERS = 64;

/** Calls `visit(user, scores)` for each user, through scoreUsers in batches when the model has it. */
export async function forEachUserScores(
  rec: Recommender,
  users: ArrayLike<number>,
  nItems: number,
  visit: (user: number, scores: Float32Array) => void,
): Promise<void> {
  if (!rec.scoreUsers) {
    const scores = new Float32Array(nItems);
    for (let n = 0; n < users.length; n++) {
      scores.fill(0);
      await rec.scoreUser(users[n] as number, scores);
      visit(users[n] as number, scores);
    }
    return;
  }
  const block = new Float32Array(SCORE_BATCH_USERS * nItems);
  for (let start = 0; start < users.length; start += SCORE_BATCH_USERS) {
    const batch = Uint32Array.from({ length: Math.min(SCORE_BATCH_USERS, users.length - start) }, (_, n) => users[start + n] as number);
    await rec.scoreUsers(batch, block.subarray(0, batch.length * nItems));
    batch.forEach((user, n) => {
      visit(user, block.subarray(n * nItems, (n + 1) * nItems));
    });
  }
}

/**
 * The k best items for `user`, best first, never an excluded one (1 = excluded).
 * `exclude.length` is the catalogue size, which the Recommender interface does not expose itself.
 */
export async function recommendTopK(rec: Recommender, user: number, k: number, exclude: Uint8Array): Promise<Uint32Array> {
  const scores = new Float32Array(exclude.length);
  await rec.scoreUser(user, scores);
  return topK(scores, k, exclude);
}
