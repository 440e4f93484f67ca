/**
 * NeuMF's MLP tower over a chunk of training rows at once, as small matrix products in plain JS.
 * Row by row, every multiply-add of the kernel gradient was a load and a store into the
 * gradient array and every dot product one chain of dependent adds; over a chunk, 2 rows × 4
 * columns of independent sums stay in registers, and each gradient cell is stored once per chunk.
 * Matrices are row-major Float64Arrays of `rows × width`; kernels are read where they live in the
 * flat parameters (`[inputs × outputs]` at `kernel`, see flat-layout.ts). The three tiled loops
 * look alike but multiply different operands (A·W, Aᵀ·D, D·Wᵀ); they stay three specialised
 * loops, not one strided kernel, so each walks its operands with fixed strides and element types.
 */

/** Rows per chunk: a chunk's activations and deltas (2 × 64 × 112 doubles by default) stay in cache. */
export const CHUNK_ROWS = 64;

export interface DenseLayer {
  kernel: number;
  bias: number;
  inputs: number;
  outputs: number;
}

export interface MlpScratch {
  /** acts[0]: the concatenated embeddings; acts[l + 1]: dense layer l's output after the ReLU. */
  acts: Float64Array[];
  /** deltas[l]: the loss gradient with respect to acts[l] (ReLU already applied for l ≥ 1). */
  deltas: Float64Array[];
}

export function mlpScratch(widths: readonly number[]): MlpScratch {
  return {
    acts: widths.map((w) => new Float64Array(w * CHUNK_ROWS)),
    deltas: widths.map((w) => new Float64Array(w * CHUNK_ROWS)),
  };
}

/** out[q, o] = max(0, bias[o] + Σ_k a[q, k] · W[k, o]) for the first `n` rows. */
export function denseForward(P: Float32Array, layer: DenseLayer, a: Float64Array, out: Float64Array, n: number): void {
  const { kernel, bias, inputs, outputs } = layer;
  let q = 0;
  for (; q + 1 < n; q += 2) {
    const a0 = q * inputs;
    const a1 = a0 + inputs;
    const o0 = q * outputs;
    const o1 = o0 + outputs;
    let o = 0;
    for (; o + 3 < outputs; o += 4) {
      let s00 = P[bias + o] as number;
      let s01 = P[bias + o + 1] as number;
      let s02 = P[bias + o + 2] as number;
      let s03 = P[bias + o + 3] as number;
      let s10 = s00;
      let s11 = s01;
      let s12 = s02;
      let s13 = s03;
      for (let k = 0, w = kernel + o; k < inputs; k++, w += outputs) {
        const x0 = a[a0 + k] as number;
        const x1 = a[a1 + k] as number;
        const w0 = P[w] as number;
        const w1 = P[w + 1] as number;
        const w2 = P[w + 2] as number;
        const w3 = P[w + 3] as number;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      out[o0 + o] = Math.max(s00, 0);
      out[o0 + o + 1] = Math.max(s01, 0);
      out[o0 + o + 2] = Math.max(s02, 0);
      out[o0 + o + 3] = Math.max(s03, 0);
      out[o1 + o] = Math.max(s10, 0);
      out[o1 + o + 1] = Math.max(s11, 0);
      out[o1 + o + 2] = Math.max(s12, 0);
      out[o1 + o + 3] = Math.max(s13, 0);
    }
    forwardColumns(P, layer, a, out, q, o);
    forwardColumns(P, layer, a, out, q + 1, o);
  }
  if (q < n) forwardColumns(P, layer, a, out, q, 0);
}

/** Row q's outputs from column `from` on, one dot product each (the remainder of the tiles). */
function forwardColumns(P: Float32Array, layer: DenseLayer, a: Float64Array, out: Float64Array, q: number, from: number): void {
  const { kernel, bias, inputs, outputs } = layer;
  for (let o = from; o < outputs; o++) {
    let s = P[bias + o] as number;
    for (let k = 0; k < inputs; k++) s += (a[q * inputs + k] as number) * (P[kernel + k * outputs + o] as number);
    out[q * outputs + o] = Math.max(s, 0);
  }
}

/**
 * Backward through one dense layer for the first `n` rows, given d = the loss gradient with
 * respect to its (post-ReLU, already masked) output: adds Σ_q a[q, k]·d[q, o] to the kernel's
 * gradient and Σ_q d[q, o] to the bias's in `grad` (indexed like the parameters minus `gradBase`),
 * and writes below[q, k] = Σ_o d[q, o]·W[k, o], zeroed where a[q, k] ≤ 0 when `a` is a ReLU output.
 */
export function denseBackward(
  P: Float32Array,
  layer: DenseLayer,
  a: Float64Array,
  d: Float64Array,
  below: Float64Array,
  aIsRelu: boolean,
  n: number,
  grad: Float64Array,
  gradBase: number,
): void {
  const { bias, outputs } = layer;
  for (let o = 0; o < outputs; o++) {
    let s = 0;
    for (let q = 0; q < n; q++) s += d[q * outputs + o] as number;
    grad[bias - gradBase + o] = (grad[bias - gradBase + o] as number) + s;
  }
  kernelGradient(layer, a, d, n, grad, gradBase);
  gradientBelow(P, layer, d, below, n);
  if (!aIsRelu) return;
  const size = n * layer.inputs;
  for (let j = 0; j < size; j++) if ((a[j] as number) <= 0) below[j] = 0;
}

function kernelGradient(layer: DenseLayer, a: Float64Array, d: Float64Array, n: number, grad: Float64Array, gradBase: number): void {
  const { kernel, inputs, outputs } = layer;
  const g = kernel - gradBase;
  let k = 0;
  for (; k + 1 < inputs; k += 2) {
    let o = 0;
    for (; o + 3 < outputs; o += 4) {
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let q = 0; q < n; q++) {
        const x0 = a[q * inputs + k] as number;
        const x1 = a[q * inputs + k + 1] as number;
        const r = q * outputs + o;
        const d0 = d[r] as number;
        const d1 = d[r + 1] as number;
        const d2 = d[r + 2] as number;
        const d3 = d[r + 3] as number;
        s00 += x0 * d0;
        s01 += x0 * d1;
        s02 += x0 * d2;
        s03 += x0 * d3;
        s10 += x1 * d0;
        s11 += x1 * d1;
        s12 += x1 * d2;
        s13 += x1 * d3;
      }
      const r0 = g + k * outputs + o;
      const r1 = r0 + outputs;
      grad[r0] = (grad[r0] as number) + s00;
      grad[r0 + 1] = (grad[r0 + 1] as number) + s01;
      grad[r0 + 2] = (grad[r0 + 2] as number) + s02;
      grad[r0 + 3] = (grad[r0 + 3] as number) + s03;
      grad[r1] = (grad[r1] as number) + s10;
      grad[r1 + 1] = (grad[r1 + 1] as number) + s11;
      grad[r1 + 2] = (grad[r1 + 2] as number) + s12;
      grad[r1 + 3] = (grad[r1 + 3] as number) + s13;
    }
    kernelGradientCells(layer, a, d, n, grad, gradBase, k, o);
    kernelGradientCells(layer, a, d, n, grad, gradBase, k + 1, o);
  }
  if (k < inputs) kernelGradientCells(layer, a, d, n, grad, gradBase, k, 0);
}

/** Kernel row k's gradient from column `from` on, one sum over the rows each. */
function kernelGradientCells(
  layer: DenseLayer,
  a: Float64Array,
  d: Float64Array,
  n: number,
  grad: Float64Array,
  gradBase: number,
  k: number,
  from: number,
): void {
  const { kernel, inputs, outputs } = layer;
  for (let o = from; o < outputs; o++) {
    let s = 0;
    for (let q = 0; q < n; q++) s += (a[q * inputs + k] as number) * (d[q * outputs + o] as number);
    const cell = kernel - gradBase + k * outputs + o;
    grad[cell] = (grad[cell] as number) + s;
  }
}

function gradientBelow(P: Float32Array, layer: DenseLayer, d: Float64Array, below: Float64Array, n: number): void {
  const { kernel, inputs, outputs } = layer;
  let q = 0;
  for (; q + 1 < n; q += 2) {
    const d0 = q * outputs;
    const d1 = d0 + outputs;
    let k = 0;
    for (; k + 3 < inputs; k += 4) {
      const w0 = kernel + k * outputs;
      const w1 = w0 + outputs;
      const w2 = w1 + outputs;
      const w3 = w2 + outputs;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let o = 0; o < outputs; o++) {
        const x0 = d[d0 + o] as number;
        const x1 = d[d1 + o] as number;
        const v0 = P[w0 + o] as number;
        const v1 = P[w1 + o] as number;
        const v2 = P[w2 + o] as number;
        const v3 = P[w3 + o] as number;
        s00 += x0 * v0;
        s01 += x0 * v1;
        s02 += x0 * v2;
        s03 += x0 * v3;
        s10 += x1 * v0;
        s11 += x1 * v1;
        s12 += x1 * v2;
        s13 += x1 * v3;
      }
      const b0 = q * inputs + k;
      const b1 = b0 + inputs;
      below[b0] = s00;
      below[b0 + 1] = s01;
      below[b0 + 2] = s02;
      below[b0 + 3] = s03;
      below[b1] = s10;
      below[b1 + 1] = s11;
      below[b1 + 2] = s12;
      below[b1 + 3] = s13;
    }
    belowCells(P, layer, d, below, q, k);
    belowCells(P, layer, d, below, q + 1, k);
  }
  if (q < n) belowCells(P, layer, d, below, q, 0);
}

/** Row q's gradient below from input `from` on, one dot product each. */
function belowCells(P: Float32Array, layer: DenseLayer, d: Float64Array, below: Float64Array, q: number, from: number): void {
  const { kernel, inputs, outputs } = layer;
  for (let k = from; k < inputs; k++) {
    let s = 0;
    for (let o = 0; o < outputs; o++) s += (d[q * outputs + o] as number) * (P[kernel + k * outputs + o] as number);
    below[q * inputs + k] = s;
  }
}
