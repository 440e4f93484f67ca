import * as tf from '@tensorflow/tfjs';
import { type Branch, type NeuMFWeights, outputKernel } from './model.js';

/**
 * Whole-catalogue scoring for a batch of users. Equal to `forward` for every (user, item) pair,
 * but it never materialises the pairs' embeddings: the GMF term is one matrix product, and the
 * first MLP layer is split into a user part and an item part (W·[u; i] = Wu·u + Wi·i) so its
 * item half is computed once per batch instead of once per pair.
 */
export function scoreUsersAllItems(w: NeuMFWeights, users: Int32Array, branch: Branch = 'neumf'): Float32Array {
  return tf.tidy(() => {
    const u = tf.tensor1d(users, 'int32');
    const nItems = w.mlpItem.shape[0] as number;
    const nUsers = users.length;
    let logits: tf.Tensor = tf.add(tf.zeros([nUsers, nItems]), w.outBias);
    if (branch !== 'mlp') {
      // GMF: (p_u ⊙ w_g) · q_iᵀ for all items at once → [U, N].
      const outGmf = outputKernel(w, 'gmf');
      logits = tf.add(
        logits,
        tf.matMul(tf.mul(tf.gather(w.gmfUser, u), tf.reshape(outGmf, [1, -1])), w.gmfItem as tf.Tensor2D, false, true),
      );
    }
    if (branch === 'gmf') return logits.dataSync() as Float32Array;
    const outMlp = outputKernel(w, 'mlp');
    const half = w.mlpUser.shape[1] as number;
    let mlp: tf.Tensor;
    if (w.dense.length === 0) {
      const userPart = tf.matMul(tf.gather(w.mlpUser, u), tf.slice(outMlp, [0, 0], [half, 1]));
      const itemPart = tf.matMul(w.mlpItem as tf.Tensor2D, tf.slice(outMlp, [half, 0], [half, 1]));
      mlp = tf.add(userPart, tf.reshape(itemPart, [1, nItems]));
    } else {
      const first = w.dense[0] as NeuMFWeights['dense'][number];
      const width = first.kernel.shape[1] as number;
      const userPart = tf.add(tf.matMul(tf.gather(w.mlpUser, u), tf.slice(first.kernel, [0, 0], [half, width])), first.bias);
      const itemPart = tf.matMul(w.mlpItem as tf.Tensor2D, tf.slice(first.kernel, [half, 0], [half, width]));
      let h: tf.Tensor = tf.relu(tf.add(tf.reshape(userPart, [nUsers, 1, width]), tf.reshape(itemPart, [1, nItems, width])));
      h = tf.reshape(h, [nUsers * nItems, width]);
      for (const layer of w.dense.slice(1)) h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, layer.kernel as tf.Tensor2D), layer.bias));
      mlp = tf.reshape(tf.matMul(h as tf.Tensor2D, outMlp as tf.Tensor2D), [nUsers, nItems]);
    }
    return tf.add(logits, mlp).dataSync() as Float32Array;
  });
}
