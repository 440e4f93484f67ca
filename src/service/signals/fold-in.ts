import { ReelrecError } from '../../errors.js';
import type { NeuMFShape } from '../../recsys/ncf/model.js';
import { createRng } from '../../recsys/random.js';

/**
 * NeuMF fold-in for people the model never saw: the item side stays frozen and a user vector
 * (GMF and MLP halves) is fitted to the picks with a few Adam steps on the model's own loss.
 * Plain JS on precomputed item terms: ~100 rows × 30 steps costs about a millisecond, where a tfjs
 * graph would pay its per-op dispatch on every step.
 */
export interface FoldInModel {
  nItems: number;
  factors: number;
  half: number;
  /** nItems × factors: GMF item embedding already multiplied by the GMF rows of the output kernel. */
  gmfItem: Float32Array;
  /** nItems × width1: the item half of the first MLP layer plus its bias, computed once. */
  itemFirst: Float32Array;
  /** half × width1: the user half of the first MLP layer. */
  userFirst: Float32Array;
  width1: number;
  /** The MLP layers after the first. */
  /** `kernelT` is the kernel transposed (outputs × inputs) so forward dot products read contiguous rows. */
  dense: Array<{ kernel: Float32Array; kernelT: Float32Array; bias: Float32Array; inputs: number; outputs: number }>;
  outMlp: Float32Array;
  outBias: number;
  /** Start point of the fit: the mean trained user vectors. */
  initGmf: Float32Array;
  initMlp: Float32Array;
}

export interface FoldInOptions {
  steps: number;
  learningRate: number;
  /** Sampled unpicked movies per liked movie, labelled 0 as in training. */
  negatives: number;
  /** Pull toward the mean user (keeps one-pick fits sane). */
  l2: number;
}

export const FOLD_IN_DEFAULTS: FoldInOptions = { steps: 30, learningRate: 0.05, negatives: 8, l2: 0.01 };

/** Builds the frozen item side from NeuMF weights in `weightList` order. */
export function foldInModel(shape: NeuMFShape, values: Float32Array[], trained?: Uint8Array): FoldInModel {
  const { items: nItems, users: nUsers, factors, layers } = shape;
  if (layers.length < 2) throw new ReelrecError('fold_in_shape', `fold-in needs at least one MLP layer (layers ${layers.join('-')})`);
  const [gmfUser, gmfItemRaw, mlpUser, mlpItem] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  const denseValues = values.slice(4, 4 + 2 * (layers.length - 1));
  const outKernel = values[4 + 2 * (layers.length - 1)] as Float32Array;
  const outBias = (values[5 + 2 * (layers.length - 1)] as Float32Array)[0] as number;
  const half = (layers[0] as number) / 2;
  const width1 = layers[1] as number;
  const kernel1 = denseValues[0] as Float32Array;
  const bias1 = denseValues[1] as Float32Array;
  const gmfItem = new Float32Array(nItems * factors);
  for (let i = 0; i < nItems; i++)
    for (let f = 0; f < factors; f++) gmfItem[i * factors + f] = (gmfItemRaw[i * factors + f] as number) * (outKernel[f] as number);
  const itemFirst = new Float32Array(nItems * width1);
  for (let i = 0; i < nItems; i++) {
    for (let k = 0; k < width1; k++) {
      let s = bias1[k] as number;
      for (let h = 0; h < half; h++) s += (mlpItem[i * half + h] as number) * (kernel1[(half + h) * width1 + k] as number);
      itemFirst[i * width1 + k] = s;
    }
  }
  const userFirst = kernel1.slice(0, half * width1);
  const dense = [];
  for (let l = 2; l < layers.length; l++) {
    const kernel = denseValues[2 * (l - 1)] as Float32Array;
    const inputs = layers[l - 1] as number;
    const outputs = layers[l] as number;
    const kernelT = new Float32Array(inputs * outputs);
    for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) kernelT[o * inputs + i] = kernel[i * outputs + o] as number;
    dense.push({
      kernel,
      kernelT,
      bias: denseValues[2 * (l - 1) + 1] as Float32Array,
      inputs: layers[l - 1] as number,
      outputs: layers[l] as number,
    });
  }
  // Users without ratings keep their random init; averaging them in would shrink the start point.
  const counted = trained ? trained.reduce((a, b) => a + b, 0) : nUsers;
  const mean = (m: Float32Array, width: number) => {
    const out = new Float32Array(width);
    for (let u = 0; u < nUsers; u++) {
      if (trained && trained[u] !== 1) continue;
      for (let d = 0; d < width; d++) out[d] = (out[d] as number) + (m[u * width + d] as number) / Math.max(1, counted);
    }
    return out;
  };
  return {
    nItems,
    factors,
    half,
    gmfItem,
    itemFirst,
    userFirst,
    width1,
    dense,
    outMlp: outKernel.slice(factors),
    outBias,
    initGmf: mean(gmfUser, factors),
    initMlp: mean(mlpUser, half),
  };
}

/** Activations of one (user, item) pair, kept for the backward pass; `active` lists a layer's non-zero inputs. */
interface Trace {
  layers: Float32Array[];
  active: Int32Array;
}

function widest(model: FoldInModel): number {
  return Math.max(model.width1, ...model.dense.map((d) => d.outputs));
}

/**
 * MLP tower for one item given the user's first-layer term; returns the MLP part of the logit.
 * Each layer sums only the inputs ReLU left non-zero, in input order: the same sums as the
 * catalogue pass (which adds the zeros), for less work.
 */
function mlpForward(model: FoldInModel, item: number, userTerm: Float32Array, trace: Trace): number {
  const { width1, itemFirst, dense } = model;
  let h = trace.layers[0] as Float32Array;
  const base = item * width1;
  for (let k = 0; k < width1; k++) {
    const z = (itemFirst[base + k] as number) + (userTerm[k] as number);
    h[k] = Math.max(z, 0);
  }
  const active = trace.active;
  for (let l = 0; l < dense.length; l++) {
    const { kernelT, bias, inputs, outputs } = dense[l] as FoldInModel['dense'][number];
    const next = trace.layers[l + 1] as Float32Array;
    let live = 0;
    for (let i = 0; i < inputs; i++) if ((h[i] as number) !== 0) active[live++] = i;
    for (let o = 0; o < outputs; o++) {
      const row = o * inputs;
      let s = bias[o] as number;
      for (let a = 0; a < live; a++) {
        const i = active[a] as number;
        s += (h[i] as number) * (kernelT[row + i] as number);
      }
      next[o] = Math.max(s, 0);
    }
    h = next;
  }
  const { outMlp } = model;
  let out = 0;
  for (let o = 0; o < h.length; o++) out += (h[o] as number) * (outMlp[o] as number);
  return out;
}

function userTermOf(model: FoldInModel, mlpUser: Float32Array, out: Float32Array): Float32Array {
  out.fill(0);
  for (let h = 0; h < model.half; h++) {
    const x = mlpUser[h] as number;
    for (let k = 0; k < model.width1; k++) out[k] = (out[k] as number) + x * (model.userFirst[h * model.width1 + k] as number);
  }
  return out;
}

/** Fits a user vector to liked (label 1) and disliked + sampled (label 0) movies, then scores every movie. */
export function foldInScores(
  model: FoldInModel,
  liked: ArrayLike<number>,
  disliked: ArrayLike<number>,
  out: Float32Array,
  options: FoldInOptions = FOLD_IN_DEFAULTS,
): void {
  const { gmf, mlp } = foldInUser(model, liked, disliked, options);
  scoreWithUserVector(model, gmf, mlp, out);
}

/** The fitted user vector (GMF and MLP halves) for a set of picks; deterministic per picks. */
export function foldInUser(
  model: FoldInModel,
  liked: ArrayLike<number>,
  disliked: ArrayLike<number>,
  options: FoldInOptions = FOLD_IN_DEFAULTS,
): { gmf: Float32Array; mlp: Float32Array } {
  const gmf = model.initGmf.slice();
  const mlp = model.initMlp.slice();
  const rows: Array<[item: number, label: number]> = [];
  for (let n = 0; n < liked.length; n++) rows.push([liked[n] as number, 1]);
  for (let n = 0; n < disliked.length; n++) rows.push([disliked[n] as number, 0]);
  if (liked.length > 0) {
    const picked = new Set<number>([...Array.from(liked), ...Array.from(disliked)]);
    // Seeded by the picks so the same request always gets the same answer.
    let seed = 17;
    for (let n = 0; n < liked.length; n++) seed = Math.imul(seed ^ (liked[n] as number), 0x9e3779b1);
    const rng = createRng(seed);
    const wanted = Math.min(options.negatives * liked.length, model.nItems - picked.size);
    for (let tries = 0; rows.length < liked.length + disliked.length + wanted && tries < wanted * 20; tries++) {
      const item = rng.int(model.nItems);
      if (!picked.has(item)) rows.push([item, 0]);
    }
  }
  if (rows.length > 0) fitUserVector(model, rows, gmf, mlp, options);
  return { gmf, mlp };
}

/** Logits of the listed movies only (out[n] for items[n]): the same sums as scoreWithUserVector, per row. */
export function scoreItemsWithUserVector(
  model: FoldInModel,
  gmf: Float32Array,
  mlp: Float32Array,
  items: ArrayLike<number>,
  out: Float64Array,
): void {
  const { factors, gmfItem } = model;
  const userTerm = userTermOf(model, mlp, new Float32Array(model.width1));
  const trace = newTrace(model);
  for (let n = 0; n < items.length; n++) {
    const item = items[n] as number;
    mlpForward(model, item, userTerm, trace);
    // Summed in scoreWithUserVector's order and rounded as it stores, so both paths agree bit for bit.
    const h = trace.layers[trace.layers.length - 1] as Float32Array;
    let logit = model.outBias;
    for (let o = 0; o < h.length; o++) logit += (h[o] as number) * (model.outMlp[o] as number);
    const base = item * factors;
    for (let f = 0; f < factors; f++) logit += (gmf[f] as number) * (gmfItem[base + f] as number);
    out[n] = Math.fround(logit);
  }
}

function fitUserVector(
  model: FoldInModel,
  rows: Array<[number, number]>,
  gmf: Float32Array,
  mlp: Float32Array,
  options: FoldInOptions,
): void {
  const { factors, half, width1, gmfItem } = model;
  const params = factors + half;
  const m = new Float64Array(params);
  const v = new Float64Array(params);
  const grad = new Float64Array(params);
  const userTerm = new Float32Array(width1);
  const dFirst = new Float64Array(width1);
  const wide = widest(model);
  const trace = newTrace(model);
  const back = [new Float64Array(wide), new Float64Array(wide)];
  const active = new Int32Array(wide);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let step = 1; step <= options.steps; step++) {
    grad.fill(0);
    dFirst.fill(0);
    userTermOf(model, mlp, userTerm);
    for (const [item, label] of rows) {
      let logit = model.outBias + mlpForward(model, item, userTerm, trace);
      for (let f = 0; f < factors; f++) logit += (gmf[f] as number) * (gmfItem[item * factors + f] as number);
      const dLogit = (1 / (1 + Math.exp(-logit)) - label) / rows.length;
      for (let f = 0; f < factors; f++) grad[f] = (grad[f] as number) + dLogit * (gmfItem[item * factors + f] as number);
      // Back through the tower: dh = dLogit · outMlp, then each ReLU layer in reverse.
      let dh = back[0] as Float64Array;
      const last = trace.layers[trace.layers.length - 1] as Float32Array;
      for (let o = 0; o < last.length; o++) dh[o] = (last[o] as number) > 0 ? dLogit * (model.outMlp[o] as number) : 0;
      for (let l = model.dense.length - 1; l >= 0; l--) {
        const { kernel, inputs, outputs } = model.dense[l] as FoldInModel['dense'][number];
        const below = trace.layers[l] as Float32Array;
        const dBelow = back[(model.dense.length - l) % 2] as Float64Array;
        // Only outputs with a gradient contribute (ReLU zeroes about half); skipping zeros keeps the sums.
        let live = 0;
        for (let o = 0; o < outputs; o++) if ((dh[o] as number) !== 0) active[live++] = o;
        for (let i = 0; i < inputs; i++) {
          if ((below[i] as number) <= 0) {
            dBelow[i] = 0;
            continue;
          }
          const row = i * outputs;
          let s = 0;
          for (let a = 0; a < live; a++) {
            const o = active[a] as number;
            s += (dh[o] as number) * (kernel[row + o] as number);
          }
          dBelow[i] = s;
        }
        dh = dBelow;
      }
      for (let k = 0; k < width1; k++) dFirst[k] = (dFirst[k] as number) + (dh[k] as number);
    }
    for (let h = 0; h < half; h++) {
      let s = 0;
      for (let k = 0; k < width1; k++) s += (dFirst[k] as number) * (model.userFirst[h * width1 + k] as number);
      grad[factors + h] = s;
    }
    for (let p = 0; p < params; p++) {
      const value = p < factors ? (gmf[p] as number) : (mlp[p - factors] as number);
      const init = p < factors ? (model.initGmf[p] as number) : (model.initMlp[p - factors] as number);
      const g = (grad[p] as number) + options.l2 * (value - init);
      m[p] = b1 * (m[p] as number) + (1 - b1) * g;
      v[p] = b2 * (v[p] as number) + (1 - b2) * g * g;
      const update =
        (options.learningRate * ((m[p] as number) / (1 - b1 ** step))) / (Math.sqrt((v[p] as number) / (1 - b2 ** step)) + 1e-8);
      if (p < factors) gmf[p] = value - update;
      else mlp[p - factors] = value - update;
    }
  }
}

export function scoreWithUserVector(model: FoldInModel, gmf: Float32Array, mlp: Float32Array, out: Float32Array): void {
  const { factors, gmfItem, nItems, width1, itemFirst, outMlp } = model;
  const userTerm = userTermOf(model, mlp, new Float32Array(width1));
  // Layer by layer over the whole catalogue: tight loops over contiguous rows, same sums as mlpForward.
  let width = width1;
  let h = new Float32Array(nItems * width1);
  for (let i = 0; i < nItems; i++) {
    const base = i * width1;
    for (let k = 0; k < width1; k++) h[base + k] = Math.max((itemFirst[base + k] as number) + (userTerm[k] as number), 0);
  }
  for (const { kernelT, bias, inputs, outputs } of model.dense) {
    const next = new Float32Array(nItems * outputs);
    for (let i = 0; i < nItems; i++) {
      const row = i * inputs;
      for (let o = 0; o < outputs; o++) {
        let s = bias[o] as number;
        const k0 = o * inputs;
        for (let k = 0; k < inputs; k++) s += (h[row + k] as number) * (kernelT[k0 + k] as number);
        next[i * outputs + o] = Math.max(s, 0);
      }
    }
    h = next;
    width = outputs;
  }
  for (let i = 0; i < nItems; i++) {
    let logit = model.outBias;
    const row = i * width;
    for (let o = 0; o < width; o++) logit += (h[row + o] as number) * (outMlp[o] as number);
    const base = i * factors;
    for (let f = 0; f < factors; f++) logit += (gmf[f] as number) * (gmfItem[base + f] as number);
    out[i] = logit;
  }
}

function newTrace(model: FoldInModel): Trace {
  return {
    layers: [new Float32Array(model.width1), ...model.dense.map((d) => new Float32Array(d.outputs))],
    active: new Int32Array(widest(model)),
  };
}
