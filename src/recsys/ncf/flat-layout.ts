import type { NeuMFShape } from './model.js';

/** Where one weight tensor lives in the flat parameter array (`weightList` order). */
export interface FlatTensor {
  offset: number;
  length: number;
}

/**
 * NeuMF weights laid out back to back in one Float32Array, in `weightList` order: the four
 * embedding tables, then every dense kernel/bias, the output kernel and bias. The dense part is
 * one contiguous range, so its optimizer step is a single loop that workers can split by index.
 */
export interface FlatLayout {
  shape: NeuMFShape;
  half: number;
  tensors: FlatTensor[];
  gmfUser: number;
  gmfItem: number;
  mlpUser: number;
  mlpItem: number;
  /** Offsets of each MLP layer's kernel ([inputs × outputs], row-major) and bias. */
  dense: Array<{ kernel: number; bias: number; inputs: number; outputs: number }>;
  outKernel: number;
  outBias: number;
  /** The dense (non-embedding) parameters: [denseStart, total). */
  denseStart: number;
  total: number;
}

export function flatLayout(shape: NeuMFShape): FlatLayout {
  const { users, items, factors, layers } = shape;
  const half = (layers[0] as number) / 2;
  const tensors: FlatTensor[] = [];
  let offset = 0;
  const place = (length: number): number => {
    tensors.push({ offset, length });
    offset += length;
    return offset - length;
  };
  const gmfUser = place(users * factors);
  const gmfItem = place(items * factors);
  const mlpUser = place(users * half);
  const mlpItem = place(items * half);
  const denseStart = offset;
  const dense = layers.slice(1).map((outputs, l) => {
    const inputs = layers[l] as number;
    return { kernel: place(inputs * outputs), bias: place(outputs), inputs, outputs };
  });
  const outKernel = place(factors + (layers[layers.length - 1] as number));
  const outBias = place(1);
  return { shape, half, tensors, gmfUser, gmfItem, mlpUser, mlpItem, dense, outKernel, outBias, denseStart, total: offset };
}

/** Copies `values` (one array per tensor, `weightList` order) into the flat array. */
export function packWeights(layout: FlatLayout, values: Float32Array[], into: Float32Array): void {
  if (values.length !== layout.tensors.length)
    throw new RangeError(`expected ${layout.tensors.length} weight arrays, got ${values.length}`);
  layout.tensors.forEach((t, i) => {
    const v = values[i] as Float32Array;
    if (v.length !== t.length) throw new RangeError(`weight ${i} has ${v.length} values, the layout expects ${t.length}`);
    into.set(v, t.offset);
  });
}

/** Copies of each tensor's values out of the flat array, in `weightList` order (what restoreWeights takes). */
export function unpackWeights(layout: FlatLayout, from: Float32Array): Float32Array[] {
  return layout.tensors.map((t) => from.slice(t.offset, t.offset + t.length));
}
