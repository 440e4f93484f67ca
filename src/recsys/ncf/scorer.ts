import * as tf from '@tensorflow/tfjs';
import type { NeuMFWeights } from './model.js';

/**
 * Whole-catalogue scoring for a batch of users. Equal to `forward` for every (user, item) pair,
 * but it never materialises the pairs' embeddings: the GMF term is one matrix product, and the
 * first MLP layer is split into a user part and an item part (W·[u; i] = Wu·u + Wi·i) so its
 * item half is computed once per batch instead of once per pair.
 */
export function scoreUsersAllItems(w: NeuMFWeights, users: Int32Array): Float32Array {
  return tf.tidy(() => {
    const u = tf.tensor1d(users, 'int32');
    const factors = w.gmfUser.shape[1] as number;
    const outGmf = tf.slice(w.outKernel, [0, 0], [factors, 1]);
    const outMlp = tf.slice(w.outKernel, [factors, 0], [-1, 1]);
    // GMF: (p_u ⊙ w_g) · q_iᵀ for all items at once → [U, N].
    const gmf = tf.matMul(tf.mul(tf.gather(w.gmfUser, u), tf.reshape(outGmf, [1, -1])), w.gmfItem as tf.Tensor2D, false, true);

    const nItems = w.mlpItem.shape[0] as number;
    const nUsers = users.length;
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
    return tf.add(tf.add(gmf, mlp), w.outBias).dataSync() as Float32Array;
  });
}
