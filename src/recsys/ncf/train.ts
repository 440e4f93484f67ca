import { ReelrecError } from '../../errors.js';
import { type Progress, SILENT_PROGRESS } from '../../progress.js';
import type { RatingsTable } from '../data/types.js';
import { evaluateRecommender } from '../eval/evaluate.js';
import { type Split, stratifiedSplit } from '../eval/splits.js';
import { createRng } from '../random.js';
import { HardSampler } from '../sampling/hard-sampling.js';
import { type BackendName, initBackend } from './backend.js';
import { epochLearningRate, type NeuMFConfig } from './config.js';
import { chooseTrainer, describeTrainer, type EpochRunner, openEpochRunner, type TrainerChoice } from './epoch-runner.js';
import {
  type Branch,
  blendPretrainedOutput,
  createWeights,
  disposeWeights,
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
  trainer: TrainerChoice;
  seconds: number;
}

export interface TrainHooks {
  progress?: Progress;
  onEpoch?: (stats: EpochStats) => void;
  /** Where the trainer line goes (stderr by default). */
  log?: (line: string) => void;
}

/**
 * Trains NeuMF on the hard-sampled dataset of `train`, resampling negatives every epoch, with
 * binary cross-entropy weighted per label kind and Adam. When `validationShare` > 0 part of each
 * user's ratings is held out and the epoch with the best validation NDCG@10 is kept. Progress is
 * reported in batches (total: epochs × batches per epoch); which trainer ran is logged once.
 */
export async function trainNeuMF(train: RatingsTable, config: NeuMFConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  if (train.length === 0) throw new ReelrecError('empty_training_set', 'cannot train NeuMF: the training set has no ratings');
  const backend = await initBackend();
  const started = performance.now();
  const split = config.validationShare > 0 ? stratifiedSplit(train, { ratio: 1 - config.validationShare, seed: config.seed }) : null;
  const fitOn = split ? split.train : train;
  const sampler = new HardSampler(fitOn, { negativesPerPositive: config.negatives });
  const keep = sampler.keepFor(config.epochRows);
  const log = hooks.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (keep < 1) {
    log(
      `reelrec: NeuMF epochs train on ${(keep * 100).toFixed(1)} % of the positives each, drawn afresh per epoch (epochRows ${config.epochRows}; a full epoch has ~${sampler.positives * (1 + config.negatives)} rows)`,
    );
  }
  const firstSample = sampler.sample(config.seed, keep);
  if (firstSample.summary.positives === 0) {
    throw new ReelrecError('empty_training_set', 'cannot train NeuMF: no positive interactions (no rating ≥ 3)');
  }
  const shape = { users: train.userIds.length, items: train.itemIds.length, factors: config.factors, layers: config.layers };
  const weights = createWeights(shape, config.seed);
  const choice = chooseTrainer(config, backend.name);
  log(describeTrainer(choice, backend.name));
  const runner = openEpochRunner(weights, config, choice);
  const progress = hooks.progress ?? SILENT_PROGRESS;
  const phaseCount = config.pretrain ? 3 : 1;
  progress.setTotal(phaseCount * config.epochs * Math.ceil(firstSample.length / config.batchSize));
  const phase: PhaseContext = { weights, runner, sampler, keep, split, config, hooks, progress, batchesDone: 0 };
  const history: EpochStats[] = [];
  let bestEpoch = 0;
  try {
    // The NCF paper's pretraining: GMF and MLP alone first, then the joined model from their weights.
    const phases: Branch[] = config.pretrain ? ['gmf', 'mlp', 'neumf'] : ['neumf'];
    for (const [p, branch] of phases.entries()) {
      if (branch === 'neumf' && config.pretrain) blendPretrainedOutput(weights);
      const result = await runPhase(phase, branch, history.length, phases.length - 1 - p);
      history.push(...result.history);
      bestEpoch = result.bestEpoch;
    }
  } catch (error) {
    disposeWeights(weights);
    throw error;
  } finally {
    await runner.close();
    phase.progress.stop();
  }
  return { weights, history, bestEpoch, backend: backend.name, trainer: choice, seconds: (performance.now() - started) / 1000 };
}

interface PhaseContext {
  weights: NeuMFWeights;
  runner: EpochRunner;
  sampler: HardSampler;
  /** Share of the positives each epoch draws (1 = all). */
  keep: number;
  split: Split | null;
  config: NeuMFConfig;
  hooks: TrainHooks;
  progress: Progress;
  /** Batches reported so far, over every phase. */
  batchesDone: number;
}

/**
 * Trains the variables `branch` depends on for up to `config.epochs` epochs, keeping the epoch
 * with the best validation NDCG@10 (restored at the end). Epochs are numbered after `epochOffset`.
 */
async function runPhase(
  ctx: PhaseContext,
  branch: Branch,
  epochOffset: number,
  laterPhases: number,
): Promise<{ history: EpochStats[]; bestEpoch: number }> {
  const { weights, runner, sampler, keep, split, config, hooks, progress } = ctx;
  runner.startPhase(config.learningRate);
  const scorer = new NeuMFScorer(weights, branch);
  const history: EpochStats[] = [];
  let best: { epoch: number; ndcg: number; snapshot: Float32Array[] } | null = null;
  let sinceBest = 0;
  const label = branch === 'neumf' ? '' : `${branch} pretraining · `;
  for (let n = 1; n <= config.epochs; n++) {
    const epoch = epochOffset + n;
    const epochStarted = performance.now();
    const data = sampler.sample(config.seed + epoch, keep);
    // Each epoch draws its negatives afresh, so its size varies: the total is re-estimated from
    // this epoch's, and the bar ends at its total instead of running past it.
    const batches = Math.ceil(data.length / config.batchSize);
    runner.setLearningRate(epochLearningRate(config, n));
    progress.setTotal(ctx.batchesDone + batches * (config.epochs - n + 1 + laterPhases * config.epochs));
    const loss = await runner.runEpoch(data, createRng(config.seed * 7919 + epoch), branch, (done) => {
      ctx.batchesDone += done;
      progress.increment(done, `${label}epoch ${epoch}`);
    });
    runner.syncWeights();
    const valNdcg = split ? (await evaluateRecommender(scorer, split, { k: 10 })).ndcg : null;
    const stats = { epoch, loss, valNdcg, seconds: (performance.now() - epochStarted) / 1000, samples: data.length, branch };
    history.push(stats);
    hooks.onEpoch?.(stats);
    progress.increment(
      0,
      `${label}epoch ${epoch} loss ${loss.toFixed(4)}${valNdcg === null ? '' : ` · val NDCG@10 ${valNdcg.toFixed(4)}`}`,
    );
    if (valNdcg === null) continue;
    if (best === null || valNdcg > best.ndcg) {
      best = { epoch, ndcg: valNdcg, snapshot: snapshotWeights(weights) };
      sinceBest = 0;
    } else if (++sinceBest >= config.patience) {
      break;
    }
  }
  if (best) restoreWeights(weights, best.snapshot);
  return { history, bestEpoch: best?.epoch ?? epochOffset + history.length };
}
