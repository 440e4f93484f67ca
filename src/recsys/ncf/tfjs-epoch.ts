import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.js';
import type { LabelKind } from '../sampling/labels.js';
import type { NeuMFConfig } from './config.js';
import { type Branch, branchWeights, forward, type NeuMFWeights } from './model.js';
import type { TrainingRows } from './training-rows.js';

/** Batches between progress reports of the tfjs trainer. */
const REPORT_EVERY = 50;

/**
 * One pass of the tfjs trainer over a freshly sampled dataset in shuffled mini-batches; returns
 * the mean loss. TF.js turns each embedding lookup's gradient into a dense table and Adam updates
 * every row, so a batch costs O(users + items): the sparse trainer exists for that.
 */
export async function runTfjsEpoch(
  weights: NeuMFWeights,
  optimizer: tf.Optimizer,
  data: TrainingRows,
  kindWeight: Float32Array,
  config: NeuMFConfig,
  branch: Branch,
  rng: Rng,
  onBatches: (batches: number) => void = () => {},
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
    if (batches % REPORT_EVERY === 0) onBatches(REPORT_EVERY);
  }
  if (batches % REPORT_EVERY !== 0) onBatches(batches % REPORT_EVERY);
  return lossSum / Math.max(batches, 1);
}
