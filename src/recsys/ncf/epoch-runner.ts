import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.js';
import { labelKindWeights, type NeuMFConfig } from './config.js';
import { type Branch, type NeuMFWeights, restoreWeights, snapshotWeights } from './model.js';
import { defaultThreads, SparseTrainer } from './sparse-trainer.js';
import { runTfjsEpoch } from './tfjs-epoch.js';
import type { TrainingRows } from './training-rows.js';

/** Which code trained a model: TF.js's optimizer.minimize, or the plain-JS multi-threaded lazy-Adam trainer. */
export type TrainerName = 'tfjs' | 'sparse';

export interface TrainerChoice {
  name: TrainerName;
  threads: number;
}

/**
 * `auto` keeps the tfjs trainer where the native tfjs-node backend runs (multi-threaded C++
 * kernels) and uses the sparse trainer on wasm/cpu, where TF.js's dense embedding updates make
 * every batch cost O(users + items).
 */
export function chooseTrainer(config: NeuMFConfig, backend: string): TrainerChoice {
  const name: TrainerName = config.trainer === 'auto' ? (backend === 'tensorflow' ? 'tfjs' : 'sparse') : config.trainer;
  return { name, threads: name === 'sparse' ? config.threads || defaultThreads() : 1 };
}

export function describeTrainer(choice: TrainerChoice, backend: string): string {
  return choice.name === 'sparse'
    ? `reelrec: NeuMF trainer "sparse" (plain JS, lazy Adam on the rows each batch touches, ${choice.threads} worker thread${choice.threads === 1 ? '' : 's'}; TensorFlow.js "${backend}" only scores)`
    : `reelrec: NeuMF trainer "tfjs" (optimizer.minimize on TensorFlow.js backend "${backend}")`;
}

/**
 * Trains NeuMF weights epoch by epoch with one trainer. The tf variables are the weights of record
 * between phases: startPhase reads them, syncWeights writes the trained values back.
 */
export interface EpochRunner {
  readonly choice: TrainerChoice;
  /** A fresh optimizer at `learningRate`, starting from the current variable values. */
  startPhase(learningRate: number): void;
  /** The learning rate of the epochs that follow (between epochs only; the optimizer's moments are kept). */
  setLearningRate(learningRate: number): void;
  runEpoch(data: TrainingRows, rng: Rng, branch: Branch, onBatches?: (batches: number) => void): Promise<number>;
  syncWeights(): void;
  close(): Promise<void>;
}

export function openEpochRunner(weights: NeuMFWeights, config: NeuMFConfig, choice: TrainerChoice): EpochRunner {
  const kindWeight = labelKindWeights(config.labelWeights);
  if (choice.name === 'tfjs') {
    let optimizer: tf.Optimizer | null = null;
    return {
      choice,
      startPhase(learningRate) {
        optimizer?.dispose();
        optimizer = tf.train.adam(learningRate);
      },
      setLearningRate(learningRate) {
        if (!optimizer) throw new Error('startPhase first');
        // AdamOptimizer reads this field at every applyGradients; TypeScript only marks it protected.
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      },
      async runEpoch(data, rng, branch, onBatches) {
        if (!optimizer) throw new Error('startPhase first');
        return runTfjsEpoch(weights, optimizer, data, kindWeight, config, branch, rng, onBatches);
      },
      syncWeights() {},
      async close() {
        optimizer?.dispose();
        optimizer = null;
      },
    };
  }
  const trainer = SparseTrainer.open(
    {
      users: weights.gmfUser.shape[0] as number,
      items: weights.gmfItem.shape[0] as number,
      factors: config.factors,
      layers: config.layers,
    },
    snapshotWeights(weights),
    { threads: choice.threads, batchSize: config.batchSize, l2: config.l2, kindWeight },
  );
  let learningRate = config.learningRate;
  return {
    choice,
    startPhase(rate) {
      learningRate = rate;
      trainer.load(snapshotWeights(weights));
      trainer.resetOptimizer();
    },
    setLearningRate(rate) {
      learningRate = rate;
    },
    runEpoch: (data, rng, branch, onBatches) => trainer.runEpoch(data, rng, branch, learningRate, onBatches),
    syncWeights: () => restoreWeights(weights, trainer.values()),
    close: () => trainer.close(),
  };
}
