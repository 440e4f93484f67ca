import type { NeuMFShape } from './model.js';

/**
 * Where one weight tensor lives in the flat parameter array: `length / width` rows of `width`
 * values, `stride` apart (a dense tensor is one row: width = stride = length).
 */
export interface FlatTensor {
  offset: number;
  length: number;
  width: number;
  stride: number;
}

/**
 * NeuMF weights in one Float32Array. Each user's (and each item's) GMF and MLP embeddings sit side
 * by side in one row of `rowWidth` values: a training row reads and updates two contiguous runs of
 * parameters (and of each Adam moment) instead of four scattered ones, which keeps the cost of a
 * batch from growing with the size of the tables. Then every dense kernel/bias, the output kernel
 * and bias, in `weightList` order: one contiguous range, so its optimizer step is a single loop
 * that workers can split by index.
 */
export interface FlatLayout {
  shape: NeuMFShape;
  half: number;
  /** `weightList` order: GMF user, GMF item, MLP user, MLP item, then the dense tensors. */
  tensors: FlatTensor[];
  /** GMF part (factors) then MLP part (half) of one user or item. */
  rowWidth: number;
  userRows: number;
  itemRows: number;
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
  const rowWidth = factors + half;
  const userRows = 0;
  const itemRows = users * rowWidth;
  const strided = (offset: number, rows: number, width: number): FlatTensor => ({ offset, length: rows * width, width, stride: rowWidth });
  const tensors: FlatTensor[] = [
    strided(userRows, users, factors),
    strided(itemRows, items, factors),
    strided(userRows + factors, users, half),
    strided(itemRows + factors, items, half),
  ];
  const denseStart = itemRows + items * rowWidth;
  let offset = denseStart;
  const place = (length: number): number => {
    tensors.push({ offset, length, width: length, stride: length });
    offset += length;
    return offset - length;
  };
  const dense = layers.slice(1).map((outputs, l) => {
    const inputs = layers[l] as number;
    return { kernel: place(inputs * outputs), bias: place(outputs), inputs, outputs };
  });
  const outKernel = place(factors + (layers[layers.length - 1] as number));
  const outBias = place(1);
  return { shape, half, tensors, rowWidth, userRows, itemRows, dense, outKernel, outBias, denseStart, total: offset };
}

/** Offset of the row of user (side 0) or item (side 1) `index`: its GMF part, then at + factors its MLP part. */
export function embeddingRow(layout: FlatLayout, side: 0 | 1, index: number): number {
  return (side === 0 ? layout.userRows : layout.itemRows) + index * layout.rowWidth;
}

/** Copies `values` (one array per tensor, `weightList` order) into the flat array. */
export function packWeights(layout: FlatLayout, values: Float32Array[], into: Float32Array): void {
  if (values.length !== layout.tensors.length)
    throw new RangeError(`expected ${layout.tensors.length} weight arrays, got ${values.length}`);
  layout.tensors.forEach((t, i) => {
    const v = values[i] as Float32Array;
    if (v.length !== t.length) throw new RangeError(`weight ${i} has ${v.length} values, the layout expects ${t.length}`);
    for (let r = 0, from = 0; from < t.length; r++, from += t.width) into.set(v.subarray(from, from + t.width), t.offset + r * t.stride);
  });
}

/** Copies of each tensor's values out of the flat array, in `weightList` order (what restoreWeights takes). */
export function unpackWeights(layout: FlatLayout, from: Float32Array): Float32Array[] {
  return layout.tensors.map((t) => {
    const out = new Float32Array(t.length);
    for (let r = 0, to = 0; to < t.length; r++, to += t.width)
      out.set(from.subarray(t.offset + r * t.stride, t.offset + r * t.stride + t.width), to);
    return out;
  });
}
