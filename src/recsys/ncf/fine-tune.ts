import * as tf from '@tensorflow/tfjs';
import { ReelrecError } from '../../errors.js';
import { type Progress, SILENT_PROGRESS } from '../../progress.js';
import type { RatingsTable } from '../data/types.js';
import { createRng } from '../random.js';
import { HardSampler } from '../sampling/hard-sampling.js';
import { LabelKind } from '../sampling/labels.js';
import type { NeuMFConfig } from './config.js';
import { chooseTrainer, openEpochRunner } from './epoch-runner.js';
import type { FineTuneRecord } from './manifest.js';
import type { NeuMFWeights } from './model.js';
import type { TrainingRows } from './training-rows.js';

/** (user, item, 0/1) rows in the model's dense indices, e.g. the seed's genre dataset. */
export interface InteractionRows {
  length: number;
  user: Uint32Array;
  item: Uint32Array;
  interaction: Uint8Array;
}

export interface FineTuneOptions {
  epochs?: number;
  learningRate?: number;
  /** Share (0–1) of a hard-sampled epoch of the original ratings mixed into each epoch, against forgetting. */
  mixOriginal?: number;
  seed?: number;
  progress?: Progress;
}

/**
 * Chosen on the ml100k benchmark: plain fine-tuning on genre rows alone (the seed's way) costs a
 * quarter of NDCG@10; one gentle epoch with a full epoch of the original data mixed in keeps
 * (slightly improves) accuracy and raises genre NDCG@10. See README "Genre fine-tuning".
 */
export const FINE_TUNE_DEFAULTS = { epochs: 1, learningRate: 0.0001, mixOriginal: 1 } as const;

/**
 * Continues training already trained weights on `rows` with a fresh Adam at its own learning
 * rate (the seed's genre fine-tuning), with the trainer the config picks for the active backend. Positive rows weigh as hard positives, negative rows as
 * unrated negatives; mixed-in original rows keep their own label kinds.
 */
export async function fineTuneWeights(
  weights: NeuMFWeights,
  config: NeuMFConfig,
  rows: InteractionRows,
  original: RatingsTable,
  options: FineTuneOptions = {},
): Promise<FineTuneRecord> {
  const epochs = options.epochs ?? FINE_TUNE_DEFAULTS.epochs;
  const learningRate = options.learningRate ?? FINE_TUNE_DEFAULTS.learningRate;
  const mixOriginal = options.mixOriginal ?? FINE_TUNE_DEFAULTS.mixOriginal;
  // With original data mixed in, no rows at all is the benchmark's control run; alone, it is a mistake.
  if (rows.length === 0 && mixOriginal === 0)
    throw new ReelrecError('empty_training_set', 'cannot fine-tune: the genre dataset has no rows');
  const seed = options.seed ?? config.seed;
  const progress = options.progress ?? SILENT_PROGRESS;
  const started = performance.now();
  const sampler = mixOriginal > 0 ? new HardSampler(original, { negativesPerPositive: config.negatives }) : null;
  // The mixed-in epoch is capped like a training epoch: on ml-25m a whole one is ~195 M rows.
  const keep = sampler ? sampler.keepFor(config.epochRows) : 1;
  const runner = openEpochRunner(weights, config, chooseTrainer(config, tf.getBackend()));
  const losses: number[] = [];
  try {
    runner.startPhase(learningRate);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const rng = createRng(seed * 104729 + epoch);
      const data = withOriginal(rows, sampler, keep, mixOriginal, seed + 1000 + epoch, rng);
      const loss = await runner.runEpoch(data, rng, 'neumf');
      runner.syncWeights();
      losses.push(loss);
      progress.increment(1, `loss ${loss.toFixed(4)}`);
    }
  } finally {
    await runner.close();
    progress.stop();
  }
  return { rows: rows.length, epochs, learningRate, mixOriginal, seconds: (performance.now() - started) / 1000, losses };
}

/** The genre rows as training rows, plus a random `share` of a fresh hard-sampled epoch (of `keep` of the positives). */
function withOriginal(
  rows: InteractionRows,
  sampler: HardSampler | null,
  keep: number,
  share: number,
  sampleSeed: number,
  rng: ReturnType<typeof createRng>,
): TrainingRows {
  const extra = sampler ? sampler.sample(sampleSeed, keep) : null;
  const take = extra ? Math.round(extra.length * share) : 0;
  const length = rows.length + take;
  const out = {
    length,
    user: new Uint32Array(length),
    item: new Uint32Array(length),
    interaction: new Uint8Array(length),
    kind: new Uint8Array(length),
  };
  out.user.set(rows.user);
  out.item.set(rows.item);
  out.interaction.set(rows.interaction);
  for (let r = 0; r < rows.length; r++) out.kind[r] = rows.interaction[r] === 1 ? LabelKind.HardPositive : LabelKind.Unrated;
  if (extra && take > 0) {
    const picked = rng.shuffle(Uint32Array.from({ length: extra.length }, (_, i) => i)).subarray(0, take);
    picked.forEach((src, n) => {
      const r = rows.length + n;
      out.user[r] = extra.user[src] as number;
      out.item[r] = extra.item[src] as number;
      out.interaction[r] = extra.interaction[src] as number;
      out.kind[r] = extra.kind[src] as number;
    });
  }
  return out;
}
