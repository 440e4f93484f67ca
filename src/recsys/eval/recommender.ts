import type { RatingsTable } from '../data/types.js';
import { topK } from './top-k.js';

/** What every model (most-popular, NeuMF, …) implements so one harness can evaluate them all. */
export interface Recommender {
  readonly name: string;
  fit(train: RatingsTable): Promise<void>;
  /** Writes a score for every item index (length = train.itemIds.length) for dense user index `user`; higher is better. */
  scoreUser(user: number, out: Float32Array): void | Promise<void>;
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
