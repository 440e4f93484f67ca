import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random.js';

/** Architecture of a NeuMF model (He et al. 2017): GMF factors and the MLP tower. */
export interface NeuMFShape {
  users: number;
  items: number;
  /** GMF embedding size. */
  factors: number;
  /** MLP tower widths; the first is the concatenated user+item embedding (each half of it). */
  layers: number[];
}

/** Named weights in a fixed order, so save/load and manifests agree on what each tensor is. */
export interface NeuMFWeights {
  gmfUser: tf.Variable;
  gmfItem: tf.Variable;
  mlpUser: tf.Variable;
  mlpItem: tf.Variable;
  dense: Array<{ kernel: tf.Variable; bias: tf.Variable }>;
  outKernel: tf.Variable;
  outBias: tf.Variable;
}

export function validateShape(shape: NeuMFShape): void {
  const { users, items, factors, layers } = shape;
  if (!(users > 0 && items > 0)) throw new RangeError(`NeuMF needs at least one user and one item (got ${users} users, ${items} items)`);
  if (!(factors > 0) || layers.length < 1 || layers.some((w) => !(w > 0) || !Number.isInteger(w))) {
    throw new RangeError(`invalid NeuMF sizes: factors ${factors}, layers ${layers.join('-')}`);
  }
  if (layers[0] % 2 !== 0)
    throw new RangeError(`the first MLP layer (${layers[0]}) must be even: it is user and item embeddings side by side`);
}

/** The variable keeps its own reference to the initial tensor; ours must be released or it is never freed. */
function ownedVariable(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

/** Seeded init as in the NCF reference code: embeddings N(0, 0.01), dense layers Glorot-uniform. */
export function createWeights(shape: NeuMFShape, seed: number): NeuMFWeights {
  validateShape(shape);
  const rng = createRng(seed);
  const normal = (rows: number, cols: number, sd: number): tf.Variable => {
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i += 2) {
      // Box–Muller from the seeded stream: tf.randomNormal's seed is not stable across backends.
      const u = Math.max(rng.next(), 1e-12);
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      values[i] = sd * r * Math.cos(2 * Math.PI * v);
      if (i + 1 < values.length) values[i + 1] = sd * r * Math.sin(2 * Math.PI * v);
    }
    return ownedVariable(tf.tensor2d(values, [rows, cols]));
  };
  const glorot = (fanIn: number, fanOut: number): tf.Variable => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const values = Float32Array.from({ length: fanIn * fanOut }, () => (rng.next() * 2 - 1) * limit);
    return ownedVariable(tf.tensor2d(values, [fanIn, fanOut]));
  };
  const { users, items, factors, layers } = shape;
  const half = layers[0] / 2;
  const dense = layers.slice(1).map((width, i) => ({ kernel: glorot(layers[i], width), bias: ownedVariable(tf.zeros([width])) }));
  const last = layers[layers.length - 1];
  return {
    gmfUser: normal(users, factors, 0.01),
    gmfItem: normal(items, factors, 0.01),
    mlpUser: normal(users, half, 0.01),
    mlpItem: normal(items, half, 0.01),
    dense,
    outKernel: glorot(factors + last, 1),
    outBias: ownedVariable(tf.zeros([1])),
  };
}

export function weightList(w: NeuMFWeights): tf.Variable[] {
  return [w.gmfUser, w.gmfItem, w.mlpUser, w.mlpItem, ...w.dense.flatMap((d) => [d.kernel, d.bias]), w.outKernel, w.outBias];
}

export function disposeWeights(w: NeuMFWeights): void {
  for (const v of weightList(w)) v.dispose();
}

/** Which half of NeuMF produces the logit: both (the model), or GMF / MLP alone for pretraining. */
export type Branch = 'neumf' | 'gmf' | 'mlp';

/** The variables a branch's logit depends on (what its training phase updates). */
export function branchWeights(w: NeuMFWeights, branch: Branch): tf.Variable[] {
  const gmf = [w.gmfUser, w.gmfItem];
  const mlp = [w.mlpUser, w.mlpItem, ...w.dense.flatMap((d) => [d.kernel, d.bias])];
  const out = [w.outKernel, w.outBias];
  if (branch === 'gmf') return [...gmf, ...out];
  if (branch === 'mlp') return [...mlp, ...out];
  return weightList(w);
}

/** The rows of the output kernel that belong to `branch` (GMF rows first, then MLP rows). */
export function outputKernel(w: NeuMFWeights, branch: Branch): tf.Tensor2D {
  const factors = w.gmfUser.shape[1] as number;
  if (branch === 'gmf') return tf.slice(w.outKernel, [0, 0], [factors, 1]) as tf.Tensor2D;
  if (branch === 'mlp') return tf.slice(w.outKernel, [factors, 0], [-1, 1]) as tf.Tensor2D;
  return w.outKernel as tf.Tensor2D;
}

/**
 * Logits for (user, item) pairs. GMF: element-wise product of embeddings; MLP: concatenated
 * embeddings through ReLU layers; both concatenated into one linear output (sigmoid in the loss).
 */
export function forward(w: NeuMFWeights, users: tf.Tensor1D, items: tf.Tensor1D, branch: Branch = 'neumf'): tf.Tensor1D {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    if (branch !== 'mlp') parts.push(tf.mul(tf.gather(w.gmfUser, users), tf.gather(w.gmfItem, items)));
    if (branch !== 'gmf') {
      let h: tf.Tensor = tf.concat([tf.gather(w.mlpUser, users), tf.gather(w.mlpItem, items)], 1);
      for (const layer of w.dense) h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, layer.kernel as tf.Tensor2D), layer.bias));
      parts.push(h);
    }
    const z = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 1);
    return tf.reshape(tf.add(tf.matMul(z as tf.Tensor2D, outputKernel(w, branch)), w.outBias), [-1]) as tf.Tensor1D;
  });
}

/**
 * Joins separately pretrained GMF and MLP halves as the NCF paper does: the output layer becomes
 * [α·h_GMF; (1−α)·h_MLP], so the combined model starts as a blend of the two it came from.
 */
export function blendPretrainedOutput(w: NeuMFWeights, alpha = 0.5): void {
  tf.tidy(() => {
    const factors = w.gmfUser.shape[1] as number;
    const scale = tf.concat([tf.fill([factors, 1], alpha), tf.fill([(w.outKernel.shape[0] as number) - factors, 1], 1 - alpha)], 0);
    w.outKernel.assign(tf.mul(w.outKernel, scale));
  });
}

/** Copies of every weight's values, in weightList order. */
export function snapshotWeights(w: NeuMFWeights): Float32Array[] {
  return weightList(w).map((v) => v.dataSync().slice() as Float32Array);
}

/** Writes values taken by snapshotWeights (or read from disk) back into the variables. */
export function restoreWeights(w: NeuMFWeights, values: Float32Array[]): void {
  const vars = weightList(w);
  if (values.length !== vars.length) throw new RangeError(`expected ${vars.length} weight arrays, got ${values.length}`);
  tf.tidy(() => {
    vars.forEach((v, i) => {
      v.assign(tf.tensor(values[i] as Float32Array, v.shape));
    });
  });
}
