import { ReelrecError } from '../../errors.js';
import { embeddingRow } from './flat-layout.js';
import { adamRange, adamStep, catchUpAndStep, catchUpRange, MissedSteps } from './lazy-adam.js';
import type { Branch } from './model.js';
import { CHUNK_ROWS, type DenseLayer, denseBackward, denseForward, type MlpScratch, mlpScratch } from './sparse-mlp.js';
import type { EpochViews, SparseViews, ThreadViews } from './sparse-state.js';

/**
 * One NeuMF training step in plain JS, split so that several threads can share it: every thread
 * computes the gradient of its slice of the batch into its own scratch (computeSlice), then,
 * after a barrier, each updates its share of the parameters from the sum of all threads'
 * gradients (applyUpdate). Embedding rows follow lazy Adam: only the rows the batch looked up are
 * read, updated and have their moments advanced, so a step costs O(batch), whatever the catalogue.
 * A row coming back after k steps away first catches up on the k zero-gradient steps dense Adam
 * would have given it (its momentum keeps moving it), in closed form: dense Adam's model at lazy
 * Adam's cost. Plain lazy Adam lost 0.0035 NDCG@10 on ml-100k (3 seeds) for lack of that.
 * The catch-up itself lives in lazy-adam.ts.
 */

/** One thread's working memory for computeSlice and applyUpdate, reused across batches. */
export interface StepScratch {
  /** The MLP tower's activations and deltas for one chunk of rows. */
  mlp: MlpScratch;
  /** Per chunk row: its user's and item's gradient slots, and whether it weighs nothing. */
  userSlots: Int32Array;
  itemSlots: Int32Array;
  skip: Uint8Array;
  /** The slice's dense gradient, summed in doubles and copied to the shared one at the end. */
  denseAcc: Float64Array;
  /** One embedding row's gradient summed over threads. */
  rowGrad: Float64Array;
  /** This thread's share of the dense gradient summed over threads. */
  denseSum: Float64Array;
  /** The catch-up figures of the row being updated (remembered per gap within a step). */
  missed: MissedSteps;
}

export function stepScratch(views: SparseViews): StepScratch {
  const { layout } = views;
  const denseLength = layout.total - layout.denseStart;
  return {
    mlp: mlpScratch(layout.shape.layers),
    userSlots: new Int32Array(CHUNK_ROWS),
    itemSlots: new Int32Array(CHUNK_ROWS),
    skip: new Uint8Array(CHUNK_ROWS),
    denseAcc: new Float64Array(denseLength),
    rowGrad: new Float64Array(layout.shape.factors + layout.half),
    denseSum: new Float64Array(denseLength),
    missed: new MissedSteps(),
  };
}

export interface BatchRange {
  /** First row of the batch in the epoch arrays. */
  start: number;
  /** Rows in the batch. */
  size: number;
  /** Rows with a non-zero loss weight: the BCE is their weighted mean (SUM_BY_NONZERO_WEIGHTS). */
  nonzero: number;
}

/** The rows [lo, hi) of the batch that thread `thread` of `threads` computes. */
export function sliceOf(batch: BatchRange, thread: number, threads: number): [number, number] {
  return [batch.start + Math.floor((thread * batch.size) / threads), batch.start + Math.floor(((thread + 1) * batch.size) / threads)];
}

export function nonzeroWeights(epoch: EpochViews, start: number, size: number): number {
  let n = 0;
  for (let r = start; r < start + size; r++) if ((epoch.kindWeight[epoch.kind[r] as number] as number) !== 0) n++;
  return n;
}

/** Forgets last batch's slots (only the ones used, so the cost stays O(batch)) and zeroes the dense gradient. */
function resetThread(t: ThreadViews, rowWidth: number): void {
  const [users, items] = t.used as unknown as [number, number];
  for (let s = 0; s < users; s++) t.userSlot[t.userRows[s] as number] = -1;
  for (let s = 0; s < items; s++) t.itemSlot[t.itemRows[s] as number] = -1;
  t.userGrad.fill(0, 0, users * rowWidth);
  t.itemGrad.fill(0, 0, items * rowWidth);
  t.used[0] = 0;
  t.used[1] = 0;
  t.denseGrad.fill(0);
}

function slotOf(slots: Int32Array, rows: Int32Array, used: Int32Array, which: 0 | 1, index: number): number {
  let s = slots[index] as number;
  if (s < 0) {
    s = used[which] as number;
    used[which] = s + 1;
    slots[index] = s;
    rows[s] = index;
  }
  return s;
}

/**
 * Gradient of the batch loss (weighted BCE / nonzero, plus the L2 term of the looked-up
 * embeddings as in the tfjs trainer) over rows [lo, hi), into thread `thread`'s scratch, a chunk
 * of rows at a time (the MLP tower as matrix products, see sparse-mlp.ts).
 * Returns the slice's share of the batch loss.
 */
export function computeSlice(
  views: SparseViews,
  thread: number,
  epoch: EpochViews,
  lo: number,
  hi: number,
  batch: BatchRange,
  branch: Branch,
  l2: number,
  scratch: StepScratch,
): number {
  const { layout } = views;
  const t = views.perThread[thread] as ThreadViews;
  resetThread(t, layout.shape.factors + layout.half);
  scratch.denseAcc.fill(0);
  const sums = { loss: 0, squares: 0 };
  for (let start = lo; start < hi; start += CHUNK_ROWS) {
    computeChunk(views, t, epoch, start, Math.min(CHUNK_ROWS, hi - start), batch, branch, l2, scratch, sums);
  }
  const G = t.denseGrad;
  for (let j = 0; j < G.length; j++) G[j] = scratch.denseAcc[j] as number;
  return sums.loss + (l2 / batch.size) * sums.squares;
}

function computeChunk(
  views: SparseViews,
  t: ThreadViews,
  epoch: EpochViews,
  first: number,
  n: number,
  batch: BatchRange,
  branch: Branch,
  l2: number,
  scratch: StepScratch,
  sums: { loss: number; squares: number },
): void {
  const { layout, params: P } = views;
  const F = layout.shape.factors;
  const half = layout.half;
  const rowWidth = F + half;
  const useGmf = branch !== 'mlp';
  const useMlp = branch !== 'gmf';
  const dense = layout.dense;
  const D = layout.denseStart;
  const G = scratch.denseAcc;
  const { acts, deltas } = scratch.mlp;
  const { userSlots, itemSlots, skip } = scratch;
  const nLayers = dense.length;
  const x = acts[0] as Float64Array;
  const width = 2 * half;
  const top = acts[nLayers] as Float64Array;
  const topDelta = deltas[nLayers] as Float64Array;
  const topWidth = top.length / CHUNK_ROWS;
  const ok = layout.outKernel + F;
  const reg = (2 * l2) / batch.size;
  const scale = batch.nonzero > 0 ? 1 / batch.nonzero : 0;
  for (let q = 0; q < n; q++) {
    const r = first + q;
    const u = epoch.user[r] as number;
    const i = epoch.item[r] as number;
    if (!(u < layout.shape.users && i < layout.shape.items)) {
      throw new ReelrecError(
        'trainer_row',
        `training row ${r}: user ${u} / item ${i} outside the model (${layout.shape.users} users, ${layout.shape.items} items)`,
      );
    }
    userSlots[q] = slotOf(t.userSlot, t.userRows, t.used, 0, u);
    itemSlots[q] = slotOf(t.itemSlot, t.itemRows, t.used, 1, i);
    // A row that weighs nothing adds nothing to loss or gradient; its rows still count as looked up.
    skip[q] = (epoch.kindWeight[epoch.kind[r] as number] as number) === 0 && l2 === 0 ? 1 : 0;
    if (!useMlp) continue;
    const mu = layout.userRows + u * rowWidth + F;
    const mi = layout.itemRows + i * rowWidth + F;
    for (let h = 0; h < half; h++) {
      x[q * width + h] = P[mu + h] as number;
      x[q * width + half + h] = P[mi + h] as number;
    }
  }
  if (useMlp)
    for (let l = 0; l < nLayers; l++) denseForward(P, dense[l] as DenseLayer, acts[l] as Float64Array, acts[l + 1] as Float64Array, n);
  const ug = t.userGrad;
  const ig = t.itemGrad;
  for (let q = 0; q < n; q++) {
    if (skip[q] === 1) {
      if (useMlp) topDelta.fill(0, q * topWidth, (q + 1) * topWidth);
      continue;
    }
    const r = first + q;
    const u = epoch.user[r] as number;
    const i = epoch.item[r] as number;
    const weight = epoch.kindWeight[epoch.kind[r] as number] as number;
    const gu = layout.userRows + u * rowWidth;
    const gi = layout.itemRows + i * rowWidth;
    let z = P[layout.outBias] as number;
    if (useGmf) for (let f = 0; f < F; f++) z += (P[gu + f] as number) * (P[gi + f] as number) * (P[layout.outKernel + f] as number);
    if (useMlp) for (let o = 0; o < topWidth; o++) z += (top[q * topWidth + o] as number) * (P[ok + o] as number);
    const y = epoch.label[r] as number;
    // Stable BCE with logits: max(z, 0) − z·y + log(1 + e^−|z|).
    sums.loss += weight * scale * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
    const dz = weight * scale * (1 / (1 + Math.exp(-z)) - y);
    const uBase = (userSlots[q] as number) * rowWidth;
    const iBase = (itemSlots[q] as number) * rowWidth;
    G[layout.outBias - D] = (G[layout.outBias - D] as number) + dz;
    if (useGmf) {
      for (let f = 0; f < F; f++) {
        const k = layout.outKernel + f;
        const pu = P[gu + f] as number;
        const pi = P[gi + f] as number;
        G[k - D] = (G[k - D] as number) + dz * pu * pi;
        const dg = dz * (P[k] as number);
        ug[uBase + f] = (ug[uBase + f] as number) + dg * pi + reg * pu;
        ig[iBase + f] = (ig[iBase + f] as number) + dg * pu + reg * pi;
        sums.squares += pu * pu + pi * pi;
      }
    }
    if (useMlp) {
      for (let o = 0; o < topWidth; o++) {
        const a = top[q * topWidth + o] as number;
        G[ok + o - D] = (G[ok + o - D] as number) + dz * a;
        topDelta[q * topWidth + o] = a > 0 ? dz * (P[ok + o] as number) : 0;
      }
    }
  }
  if (!useMlp) return;
  for (let l = nLayers - 1; l >= 0; l--) {
    denseBackward(
      P,
      dense[l] as DenseLayer,
      acts[l] as Float64Array,
      deltas[l + 1] as Float64Array,
      deltas[l] as Float64Array,
      l > 0,
      n,
      G,
      D,
    );
  }
  const dx = deltas[0] as Float64Array;
  for (let q = 0; q < n; q++) {
    if (skip[q] === 1) continue;
    const uBase = (userSlots[q] as number) * rowWidth + F;
    const iBase = (itemSlots[q] as number) * rowWidth + F;
    for (let h = 0; h < half; h++) {
      const pu = x[q * width + h] as number;
      const pi = x[q * width + half + h] as number;
      ug[uBase + h] = (ug[uBase + h] as number) + (dx[q * width + h] as number) + reg * pu;
      ig[iBase + h] = (ig[iBase + h] as number) + (dx[q * width + half + h] as number) + reg * pi;
      sums.squares += pu * pu + pi * pi;
    }
  }
}

/** Rows whose parameters and moments one applyUpdate advanced, per embedding table. */
export interface UpdateCounts {
  gmfUser: number;
  gmfItem: number;
  mlpUser: number;
  mlpItem: number;
  /** Dense parameters updated (the same every step: the MLP and output layers). */
  dense: number;
}

/**
 * Adam step `step` (1-based, the phase's global step as in lazy Adam) on thread `thread`'s share:
 * an index range of the dense parameters and the embedding rows with index ≡ thread (mod
 * threads), each from the gradient summed over all threads in thread order (deterministic).
 */
export function applyUpdate(
  views: SparseViews,
  thread: number,
  step: number,
  learningRate: number,
  branch: Branch,
  scratch: StepScratch,
): UpdateCounts {
  const { layout, params: P, m, v, threads, perThread } = views;
  const adam = adamStep(P, m, v, learningRate, step);
  const missed = scratch.missed;
  const D = layout.denseStart;
  const denseLength = layout.total - D;
  const from = Math.floor((thread * denseLength) / threads);
  const to = Math.floor(((thread + 1) * denseLength) / threads);
  const denseGrad = scratch.denseSum;
  denseGrad.fill(0, 0, to - from);
  for (let k = 0; k < threads; k++) {
    const g = (perThread[k] as ThreadViews).denseGrad;
    for (let j = from; j < to; j++) denseGrad[j - from] = (denseGrad[j - from] as number) + (g[j] as number);
  }
  adamRange(adam, D + from, denseGrad, 0, to - from);
  const counts: UpdateCounts = { gmfUser: 0, gmfItem: 0, mlpUser: 0, mlpItem: 0, dense: to - from };
  const F = layout.shape.factors;
  const half = layout.half;
  const rowWidth = F + half;
  const useGmf = branch !== 'mlp';
  const useMlp = branch !== 'gmf';
  const rowGrad = scratch.rowGrad;
  // The row's part each branch trains: both (one run of rowWidth values), GMF only or MLP only.
  const part = useGmf ? 0 : F;
  const partWidth = (useGmf ? F : 0) + (useMlp ? half : 0);
  for (const side of [0, 1] as const) {
    for (let k = 0; k < threads; k++) {
      const owner = perThread[k] as ThreadViews;
      const used = owner.used[side] as number;
      const rows = side === 0 ? owner.userRows : owner.itemRows;
      for (let s = 0; s < used; s++) {
        const index = rows[s] as number;
        if (index % threads !== thread) continue;
        // A row an earlier thread also touched was updated when that thread's list was walked.
        let seenBefore = false;
        for (let e = 0; e < k && !seenBefore; e++) seenBefore = (slotsOf(perThread[e] as ThreadViews, side)[index] as number) >= 0;
        if (seenBefore) continue;
        rowGrad.fill(0);
        for (let e = k; e < threads; e++) {
          const t = perThread[e] as ThreadViews;
          const slot = slotsOf(t, side)[index] as number;
          if (slot < 0) continue;
          const grad = side === 0 ? t.userGrad : t.itemGrad;
          const base = slot * rowWidth;
          for (let c = 0; c < rowWidth; c++) rowGrad[c] = (rowGrad[c] as number) + (grad[base + c] as number);
        }
        const lastSteps = side === 0 ? views.userStep : views.itemStep;
        const row = embeddingRow(layout, side, index) + part;
        if (missed.load(lastSteps[index] as number, step - 1)) catchUpAndStep(adam, missed, learningRate, row, rowGrad, part, partWidth);
        else adamRange(adam, row, rowGrad, part, partWidth);
        lastSteps[index] = step;
        if (useGmf) counts[side === 0 ? 'gmfUser' : 'gmfItem']++;
        if (useMlp) counts[side === 0 ? 'mlpUser' : 'mlpItem']++;
      }
    }
  }
  return counts;
}

/** Every row of thread `thread`'s share brought up to `step` (end of an epoch, before the weights are read). */
export function catchUpAll(views: SparseViews, thread: number, step: number, learningRate: number, branch: Branch): void {
  const { layout } = views;
  const adam = adamStep(views.params, views.m, views.v, 0, 1);
  const missed = new MissedSteps();
  const F = layout.shape.factors;
  const from = branch !== 'mlp' ? 0 : F;
  const width = (branch !== 'mlp' ? F : 0) + (branch !== 'gmf' ? layout.half : 0);
  for (const side of [0, 1] as const) {
    const steps = side === 0 ? views.userStep : views.itemStep;
    for (let index = thread; index < steps.length; index += views.threads) {
      if (!missed.load(steps[index] as number, step)) continue;
      steps[index] = step;
      catchUpRange(adam, missed, learningRate, embeddingRow(layout, side, index) + from, width);
    }
  }
}

function slotsOf(t: ThreadViews, side: 0 | 1): Int32Array {
  return side === 0 ? t.userSlot : t.itemSlot;
}
