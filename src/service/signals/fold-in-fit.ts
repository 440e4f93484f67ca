import { ReelrecError } from '../../errors.js';
import type { NeuMFShape } from '../../recsys/ncf/model.js';
import { createRng } from '../../recsys/random.js';
import { type FoldInModel, type FrozenFoldIn, frozenFoldIn, mlpForward, newTrace, type UserVector, userTermOf, widest } from './fold-in.js';

/** How a one-pick user vector is fitted. */
export interface FoldInOptions {
  steps: number;
  learningRate: number;
  /** Sampled unpicked movies per liked movie, labelled 0 as in training. */
  negatives: number;
  /** Pull toward the mean user (keeps one-pick fits sane). */
  l2: number;
}

export const FOLD_IN_DEFAULTS: FoldInOptions = { steps: 30, learningRate: 0.05, negatives: 8, l2: 0.01 };

export interface FoldInModelOptions {
  /** 1 for users with ratings: only they shape the start point (default: every user). */
  trained?: Uint8Array;
  /** One-pick vectors made earlier for these weights (the service artefact's); fitted here when absent. */
  perPick?: Float32Array;
  options?: FoldInOptions;
  /** Called after each movie's fit, for progress on large catalogues. */
  onMovie?: () => void;
}

/** The fold-in for NeuMF weights in `weightList` order: the frozen item side plus every movie's one-pick vector. */
export function foldInModel(shape: NeuMFShape, values: Float32Array[], settings: FoldInModelOptions = {}): FoldInModel {
  const frozen = frozenFoldIn(shape, values, settings.trained);
  const width = frozen.factors + frozen.half;
  if (settings.perPick && settings.perPick.length !== frozen.nItems * width) {
    throw new ReelrecError(
      'fold_in_shape',
      `one-pick vectors hold ${settings.perPick.length} values, expected ${frozen.nItems} movies × ${width}`,
    );
  }
  const perPick = settings.perPick ?? fitPerPick(frozen, settings.options, settings.onMovie);
  return { ...frozen, perPick };
}

/** Every movie's one-pick vector: `fitFoldInUser` for that movie liked alone. */
export function fitPerPick(model: FrozenFoldIn, options: FoldInOptions = FOLD_IN_DEFAULTS, onMovie?: () => void): Float32Array {
  const width = model.factors + model.half;
  const out = new Float32Array(model.nItems * width);
  const one = new Int32Array(1);
  for (let item = 0; item < model.nItems; item++) {
    one[0] = item;
    const { gmf, mlp } = fitFoldInUser(model, one, [], options);
    out.set(gmf, item * width);
    out.set(mlp, item * width + model.factors);
    onMovie?.();
  }
  return out;
}

/**
 * The user vector a few Adam steps fit to liked (label 1) and disliked (label 0) movies plus
 * `negatives` sampled unpicked movies per like (label 0, as in training); deterministic per picks.
 */
export function fitFoldInUser(
  model: FrozenFoldIn,
  liked: ArrayLike<number>,
  disliked: ArrayLike<number>,
  options: FoldInOptions = FOLD_IN_DEFAULTS,
): UserVector {
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

function fitUserVector(
  model: FrozenFoldIn,
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
