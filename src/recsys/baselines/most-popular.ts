import { ReelrecError } from '../../errors.js';
import type { RatingsTable } from '../data/types.js';
import type { Recommender } from '../eval/recommender.js';

/**
 * The floor every model must beat: items ranked by how many train ratings they have, the same
 * list for every user (ties go to the lower item index via topK). Ratings values are ignored —
 * popularity, not quality.
 */
export class MostPopular implements Recommender {
  readonly name = 'most-popular';
  private counts: Float32Array | null = null;

  async fit(train: RatingsTable): Promise<void> {
    const counts = new Float32Array(train.itemIds.length);
    for (let i = 0; i < train.length; i++) counts[train.item[i]]++;
    this.counts = counts;
  }

  /** Number of train ratings per item index; null before fit. */
  get popularity(): Float32Array | null {
    return this.counts;
  }

  scoreUser(_user: number, out: Float32Array): void {
    if (this.counts === null) throw new ReelrecError('not_fitted', `${this.name}: scoreUser called before fit`);
    out.set(this.counts);
  }
}
