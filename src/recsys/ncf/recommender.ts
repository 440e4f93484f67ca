import type { RatingsTable } from '../data/types.js';
import type { Recommender } from '../eval/recommender.js';
import type { Branch, NeuMFWeights } from './model.js';
import { scoreUsersAllItems } from './scorer.js';

/** Read-only Recommender view over NeuMF weights (used for validation and for loaded models). */
export class NeuMFScorer implements Recommender {
  readonly name = 'neumf';
  constructor(
    private readonly weights: NeuMFWeights,
    private readonly branch: Branch = 'neumf',
  ) {}

  async fit(_train: RatingsTable): Promise<void> {
    throw new Error('NeuMFScorer scores fixed weights; train with trainNeuMF');
  }

  scoreUser(user: number, out: Float32Array): void {
    out.set(scoreUsersAllItems(this.weights, Int32Array.of(user), this.branch));
  }

  scoreUsers(users: Uint32Array, out: Float32Array): void {
    out.set(scoreUsersAllItems(this.weights, Int32Array.from(users), this.branch));
  }
}
