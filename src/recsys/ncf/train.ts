import * as tf from '@tensorflow/tfjs';
import { ReelrecError } from '../../errors.js';
import { type Progress, SILENT_PROGRESS } from '../../progress.js';
import type { RatingsTable } from '../data/types.js';
import { evaluateRecommender } from '../eval/evaluate.js';
import { type Split, stratifiedSplit } from '../eval/splits.js';
import { createRng } from '../random.js';
import { HardSampler, type SampledDataset } from '../sampling/hard-sampling.js';
import type { LabelKind } from '../sampling/labels.js';
import { type BackendName, initBackend } from './backend.js';
import { labelKindWeights, type NeuMFConfig } from './config.js';
import {
  type Branch,
  blendPretrainedOutput,
  branchWeights,
  createWeights,
  disposeWeights,
  forward,
  type NeuMFWeights,
  restoreWeights,
  snapshotWeights,
} from './model.js';
import { NeuMFScorer } from './recommender.js';

export interface EpochStats {
  epoch: number;
  loss: number;
  /** NDCG@10 on the validation share; null when training without validation. */
  valNdcg: number | null;
  seconds: number;
  samples: number;
  /** Which phase the epoch belongs to ('gmf'/'mlp' pretraining, or the joined model). */
  branch?: Branch;
}

export interface TrainResult {
  weights: NeuMFWeights;
  history: EpochStats[];
  /** The epoch whose weights were kept (best validation NDCG, or the last). */
  bestEpoch: number;
  backend: BackendName;
  seconds: number;
}

export interface TrainHooks {
  progress?: Progress;
  onEpoch?: (stats: EpochStats) => void;
}

/**
 * Trains NeuMF on the hard-sampled dataset of `train`, resampling negatives every epoch, with
 * binary cross-entropy weighted per label kind and Adam. When `validationShare` > 0 part of each
 * user's ratings is held out and the epoch with the best validation NDCG@10 is kept.
 */
export async function trainNeuMF(train: RatingsTable, config: NeuMFConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (train.length === 0) throw new ReelrecError('empty_training_set', 'cannot train NeuMF: the training set has no ratings');
  const backend = await initBackend();
  const started = performance.now();
  const split = config.validationShare > 0 ? stratifiedSplit(train, { ratio: 1 - config.validationShare, seed: config.seed }) : null;
  const fitOn = split ? split.train : train;
  const sampler = new HardSampler(fitOn, { negativesPerPositive: config.negatives });
  if (sampler.sample(config.seed).summary.positives === 0) {
    throw new ReelrecError('empty_training_set', 'cannot train NeuMF: no positive interactions (no rating ≥ 3)');
  }
  const shape = { users: train.userIds.length, items: train.itemIds.length, factors: config.factors, layers: config.layers };
  const weights = createWeights(shape, config.seed);
  const kindWeight = labelKindWeights(config.labelWeights);
  const phase: PhaseContext = { weights, sampler, split, kindWeight, config, hooks, progress: hooks.progress ?? SILENT_PROGRESS };
  const history: EpochStats[] = [];
  let bestEpoch = 0;
  try {
    // The NCF paper's pretraining: GMF and MLP alone first, then the joined model from their weights.
    const phases: Branch[] = config.pretrain ? ['gmf', 'mlp', 'neumf'] : ['neumf'];
    for (const branch of phases) {
      if (branch === 'neumf' && config.pretrain) blendPretrainedOutput(weights);
      const result = await runPhase(phase, branch, history.length);
      history.push(...result.history);
      bestEpoch = result.bestEpoch;
    }
  } catch (error) {
    disposeWeights(weights);
    throw error;
  } finally {
    phase.progress.stop();
  }
  return { weights, history, bestEpoch, backend: backend.name, seconds: (performance.now() - started) / 1000 };
}

interface PhaseContext {
  weights: NeuMFWeights;
  sampler: HardSampler;
  split: Split | null;
  kindWeight: Float32Array;
  config: NeuMFConfig;
  hooks: TrainHooks;
  progress: Progress;
}

/**
 * Trains the variables `branch` depends on for up to `config.epochs` epochs, keeping the epoch
 * with the best validation NDCG@10 (restored at the end). Epochs are numbered after `epochOffset`.
 */
async function runPhase(ctx: PhaseContext, branch: Branch, epochOffset: number): Promise<{ history: EpochStats[]; bestEpoch: number }> {
  const { weights, sampler, split, kindWeight, config, hooks, progress } = ctx;
  const optimizer = tf.train.adam(config.learningRate);
  const scorer = new NeuMFScorer(weights, branch);
  const history: EpochStats[] = [];
  let best: { epoch: number; ndcg: number; snapshot: Float32Array[] } | null = null;
  let sinceBest = 0;
  try {
    for (let n = 1; n <= config.epochs; n++) {
      const epoch = epochOffset + n;
      const epochStarted = performance.now();
      const data = sampler.sample(config.seed + epoch);
      const loss = await runEpoch(weights, optimizer, data, kindWeight, config, branch, createRng(config.seed * 7919 + epoch));
      const valNdcg = split ? (await evaluateRecommender(scorer, split, { k: 10 })).ndcg : null;
      const stats = { epoch, loss, valNdcg, seconds: (performance.now() - epochStarted) / 1000, samples: data.length, branch };
      history.push(stats);
      hooks.onEpoch?.(stats);
      const label = branch === 'neumf' ? '' : `${branch} pretraining · `;
      progress.increment(1, `${label}loss ${loss.toFixed(4)}${valNdcg === null ? '' : ` · val NDCG@10 ${valNdcg.toFixed(4)}`}`);
      if (valNdcg === null) continue;
      if (best === null || valNdcg > best.ndcg) {
        best = { epoch, ndcg: valNdcg, snapshot: snapshotWeights(weights) };
        sinceBest = 0;
      } else if (++sinceBest >= config.patience) {
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (best) restoreWeights(weights, best.snapshot);
  return { history, bestEpoch: best?.epoch ?? epochOffset + history.length };
}

/** Rows a training epoch reads: (user, item, 0/1) with the label kind that picks each row's loss weight. */
export type TrainingRows = Pick<SampledDataset, 'length' | 'user' | 'item' | 'interaction' | 'kind'>;

/** One pass over a freshly sampled dataset in shuffled mini-batches; returns the mean loss. */
export async function runEpoch(
  weights: NeuMFWeights,
  optimizer: tf.Optimizer,
  data: TrainingRows,
  kindWeight: Float32Array,
  config: NeuMFConfig,
  branch: Branch,
  rng: ReturnType<typeof createRng>,
): Promise<number> {
  const order = rng.shuffle(Uint32Array.from({ length: data.length }, (_, i) => i));
  const size = config.batchSize;
  const users = new Int32Array(size);
  const items = new Int32Array(size);
  const labels = new Float32Array(size);
  const rowWeights = new Float32Array(size);
  const trainable = branchWeights(weights, branch);
  let lossSum = 0;
  let batches = 0;
  for (let start = 0; start < data.length; start += size) {
    const n = Math.min(size, data.length - start);
    for (let k = 0; k < n; k++) {
      const r = order[start + k] as number;
      users[k] = data.user[r] as number;
      items[k] = data.item[r] as number;
      labels[k] = data.interaction[r] as number;
      rowWeights[k] = kindWeight[data.kind[r] as LabelKind] as number;
    }
    const cost = tf.tidy(() => {
      const u = tf.tensor1d(users.subarray(0, n), 'int32');
      const i = tf.tensor1d(items.subarray(0, n), 'int32');
      const y = tf.tensor1d(labels.subarray(0, n));
      const w = tf.tensor1d(rowWeights.subarray(0, n));
      return optimizer.minimize(
        () => {
          const logits = forward(weights, u, i, branch);
          const bce = tf.losses.sigmoidCrossEntropy(y, logits, w, 0, tf.Reduction.SUM_BY_NONZERO_WEIGHTS);
          if (config.l2 === 0) return bce as tf.Scalar;
          const lookups: Array<[tf.Variable, tf.Tensor1D]> = [
            [weights.gmfUser, u],
            [weights.gmfItem, i],
            [weights.mlpUser, u],
            [weights.mlpItem, i],
          ];
          const reg = tf.addN(
            lookups.filter(([table]) => trainable.includes(table)).map(([table, ids]) => tf.sum(tf.square(tf.gather(table, ids)))),
          );
          return tf.add(bce, tf.mul(config.l2 / n, reg)) as tf.Scalar;
        },
        true,
        trainable,
      ) as tf.Scalar;
    });
    lossSum += (await cost.data())[0] as number;
    cost.dispose();
    batches++;
  }
  return lossSum / Math.max(batches, 1);
}
