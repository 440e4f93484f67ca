import { ReelrecError } from '../../errors.js';
import { datasetFingerprint } from '../data/fingerprint.js';
import { groupByUser, type UserGroups } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { forEachUserScores, type Recommender } from '../eval/recommender.js';
import { topK } from '../eval/top-k.js';
import { type NeuMFConfig, type NeuMFConfigInput, neumfConfig } from './config.js';
import { type FineTuneOptions, fineTuneWeights, type InteractionRows } from './fine-tune.js';
import type { FineTuneRecord, ModelManifest } from './manifest.js';
import { createWeights, disposeWeights, type NeuMFWeights, restoreWeights, snapshotWeights } from './model.js';
import { loadModel, saveModel } from './persist.js';
import { scoreUsersAllItems } from './scorer.js';
import { type TrainHooks, type TrainResult, trainNeuMF } from './train.js';

export interface Recommendation {
  movieId: number;
  score: number;
}

/** Marks an empty slot in recommendAll's rows. */
export const NO_ITEM = 0xffffffff;

type ManifestDraft = Omit<ModelManifest, 'weights' | 'format' | 'version'>;

/**
 * A trained NeuMF model bound to the ratings it learned from: knows the id maps, which movies each
 * user has already seen (excluded from recommendations), and how to save itself with a manifest.
 */
export class NeuMF implements Recommender {
  readonly name = 'neumf';
  readonly config: NeuMFConfig;
  private weights: NeuMFWeights | null = null;
  private seen: { table: RatingsTable; groups: UserGroups } | null = null;
  private draft: ManifestDraft | null = null;
  private lastTraining: TrainResult | null = null;

  constructor(
    config: NeuMFConfigInput = {},
    private readonly hooks: TrainHooks & { datasetName?: string; label?: string } = {},
  ) {
    this.config = neumfConfig(config);
  }

  /** Loads a saved model and checks it was trained on exactly `ratings` (fingerprint and id maps). */
  static async load(dir: string, ratings: RatingsTable): Promise<NeuMF> {
    const { weights, manifest } = await loadModel(dir, {
      fingerprint: datasetFingerprint(ratings),
      userIds: ratings.userIds,
      itemIds: ratings.itemIds,
    });
    const model = new NeuMF(manifest.config, { datasetName: manifest.dataset.name, label: manifest.label });
    model.weights = weights;
    model.seen = { table: ratings, groups: groupByUser(ratings) };
    const { format: _format, version: _version, weights: _files, ...draft } = manifest;
    model.draft = draft;
    return model;
  }

  get training(): TrainResult | null {
    return this.lastTraining;
  }

  get manifest(): ManifestDraft {
    if (!this.draft) throw new ReelrecError('not_fitted', 'neumf: the model has not been trained or loaded');
    return this.draft;
  }

  async fit(train: RatingsTable): Promise<void> {
    if (this.weights) disposeWeights(this.weights);
    this.weights = null;
    const result = await trainNeuMF(train, this.config, this.hooks);
    this.weights = result.weights;
    this.lastTraining = result;
    this.seen = { table: train, groups: groupByUser(train) };
    this.draft = {
      createdAt: new Date().toISOString(),
      label: this.hooks.label ?? 'base',
      dataset: { name: this.hooks.datasetName ?? 'unknown', fingerprint: datasetFingerprint(train), ratings: train.length },
      userIds: Array.from(train.userIds),
      itemIds: Array.from(train.itemIds),
      shape: { users: train.userIds.length, items: train.itemIds.length, factors: this.config.factors, layers: this.config.layers },
      config: this.config,
      backend: result.backend,
      trainer: result.trainer,
      training: { seconds: result.seconds, bestEpoch: result.bestEpoch, history: result.history },
      metrics: {},
    };
  }

  /**
   * Continues training on `rows` (the seed's genre dataset) and marks the manifest as the
   * `genre-finetuned` version. Clone first to keep the base model.
   */
  async fineTune(rows: InteractionRows, options: FineTuneOptions = {}): Promise<FineTuneRecord> {
    const { table } = this.requireSeen();
    const record = await fineTuneWeights(this.requireWeights(), this.config, rows, table, options);
    this.draft = { ...this.manifest, createdAt: new Date().toISOString(), label: 'genre-finetuned', fineTune: record };
    return record;
  }

  /** An independent copy (own weights) bound to the same ratings. */
  clone(): NeuMF {
    const copy = new NeuMF(this.config, this.hooks);
    const weights = this.requireWeights();
    copy.weights = createWeights(this.manifest.shape, 0);
    restoreWeights(copy.weights, snapshotWeights(weights));
    copy.seen = this.seen;
    copy.draft = { ...this.manifest };
    copy.lastTraining = this.lastTraining;
    return copy;
  }

  async save(dir: string, metrics: Record<string, number> = {}): Promise<ModelManifest> {
    const manifest = { ...this.manifest, metrics: { ...this.manifest.metrics, ...metrics } };
    return saveModel(dir, { weights: this.requireWeights(), manifest });
  }

  /** Copies of every weight in `weightList` order, with the shape: what plain-JS consumers (fold-in) read. */
  weightValues(): { shape: ModelManifest['shape']; values: Float32Array[] } {
    return { shape: this.manifest.shape, values: snapshotWeights(this.requireWeights()) };
  }

  scoreUser(user: number, out: Float32Array): void {
    out.set(scoreUsersAllItems(this.requireWeights(), Int32Array.of(user)));
  }

  scoreUsers(users: Uint32Array, out: Float32Array): void {
    out.set(scoreUsersAllItems(this.requireWeights(), Int32Array.from(users)));
  }

  /** Top-k unseen movies for a dataset user id. */
  async recommend(userId: number, k = 10): Promise<Recommendation[]> {
    const { table } = this.requireSeen();
    const user = table.userIndex.get(userId);
    if (user === undefined) {
      throw new ReelrecError('unknown_user', `user ${userId} is not in the training data (${table.userIds.length} users)`);
    }
    const scores = new Float32Array(table.itemIds.length);
    this.scoreUser(user, scores);
    return Array.from(topK(scores, k, this.seenMask(user)), (item) => ({
      movieId: table.itemIds[item] as number,
      score: scores[item] as number,
    }));
  }

  /**
   * Top-k unseen item indices for every user in one batched pass: row u is `out[u*k .. u*k+k)`,
   * padded with NO_ITEM when the user has fewer than k unseen movies.
   */
  async recommendAll(k = 10): Promise<Uint32Array> {
    const { table } = this.requireSeen();
    const nUsers = table.userIds.length;
    const out = new Uint32Array(nUsers * k).fill(NO_ITEM);
    const users = Uint32Array.from({ length: nUsers }, (_, u) => u);
    await forEachUserScores(this, users, table.itemIds.length, (user, scores) => {
      out.set(topK(scores, k, this.seenMask(user)), user * k);
    });
    return out;
  }

  dispose(): void {
    if (this.weights) disposeWeights(this.weights);
    this.weights = null;
  }

  private seenMask(user: number): Uint8Array {
    const { table, groups } = this.requireSeen();
    const mask = new Uint8Array(table.itemIds.length);
    for (let j = groups.offsets[user] as number; j < (groups.offsets[user + 1] as number); j++)
      mask[table.item[groups.order[j] as number] as number] = 1;
    return mask;
  }

  private requireWeights(): NeuMFWeights {
    if (!this.weights) throw new ReelrecError('not_fitted', 'neumf: the model has not been trained or loaded');
    return this.weights;
  }

  private requireSeen(): { table: RatingsTable; groups: UserGroups } {
    if (!this.seen) throw new ReelrecError('not_fitted', 'neumf: the model has not been trained or loaded');
    return this.seen;
  }
}
