import { type FlatLayout, flatLayout } from './flat-layout.js';
import type { NeuMFShape } from './model.js';

/**
 * Everything the sparse trainer's threads share, as SharedArrayBuffers (a structured clone of
 * this object hands the same memory to a worker). Parameters and Adam moments are one copy for
 * all threads; each thread has its own gradient scratch that the others read during the update.
 */
export interface SparseBuffers {
  shape: NeuMFShape;
  threads: number;
  /** Most rows of one batch that a thread handles: its slice of the batch. */
  sliceRows: number;
  params: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  /** Barrier and abort flag (Int32). */
  control: SharedArrayBuffer;
  /** Per user / item: the Adam step its rows were last brought up to (Int32); see catchUp in sparse-step.ts. */
  userStep: SharedArrayBuffer;
  itemStep: SharedArrayBuffer;
  perThread: ThreadBuffers[];
}

/** One thread's gradient of its slice of the batch, readable by every thread. */
export interface ThreadBuffers {
  denseGrad: SharedArrayBuffer;
  /** Per user / item: the row of userGrad / itemGrad holding its gradient this batch, −1 if untouched. */
  userSlot: SharedArrayBuffer;
  itemSlot: SharedArrayBuffer;
  /** Slot → user / item index, for the slots in use. */
  userRows: SharedArrayBuffer;
  itemRows: SharedArrayBuffer;
  /** [slots used by users, slots used by items] this batch. */
  used: SharedArrayBuffer;
  /** Per slot: GMF part then MLP part of the embedding gradient. */
  userGrad: SharedArrayBuffer;
  itemGrad: SharedArrayBuffer;
}

export const CONTROL = { count: 0, generation: 1, abort: 2, length: 3 } as const;

export function allocateSparseBuffers(shape: NeuMFShape, threads: number, batchSize: number): SparseBuffers {
  const layout = flatLayout(shape);
  const sliceRows = Math.ceil(batchSize / threads);
  const rowWidth = shape.factors + layout.half;
  const f32 = (n: number) => new SharedArrayBuffer(4 * Math.max(n, 1));
  const i32 = (n: number, fill = 0) => {
    const buffer = new SharedArrayBuffer(4 * Math.max(n, 1));
    if (fill !== 0) new Int32Array(buffer).fill(fill);
    return buffer;
  };
  return {
    shape,
    threads,
    sliceRows,
    params: f32(layout.total),
    m: f32(layout.total),
    v: f32(layout.total),
    control: i32(CONTROL.length),
    userStep: i32(shape.users),
    itemStep: i32(shape.items),
    perThread: Array.from({ length: threads }, () => ({
      denseGrad: f32(layout.total - layout.denseStart),
      userSlot: i32(shape.users, -1),
      itemSlot: i32(shape.items, -1),
      userRows: i32(sliceRows),
      itemRows: i32(sliceRows),
      used: i32(2),
      userGrad: f32(sliceRows * rowWidth),
      itemGrad: f32(sliceRows * rowWidth),
    })),
  };
}

/** Typed views over SparseBuffers, as each thread uses them. */
export interface SparseViews {
  layout: FlatLayout;
  threads: number;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  control: Int32Array;
  userStep: Int32Array;
  itemStep: Int32Array;
  perThread: ThreadViews[];
}

export interface ThreadViews {
  denseGrad: Float32Array;
  userSlot: Int32Array;
  itemSlot: Int32Array;
  userRows: Int32Array;
  itemRows: Int32Array;
  used: Int32Array;
  userGrad: Float32Array;
  itemGrad: Float32Array;
}

export function sparseViews(b: SparseBuffers): SparseViews {
  return {
    layout: flatLayout(b.shape),
    threads: b.threads,
    params: new Float32Array(b.params),
    m: new Float32Array(b.m),
    v: new Float32Array(b.v),
    control: new Int32Array(b.control),
    userStep: new Int32Array(b.userStep),
    itemStep: new Int32Array(b.itemStep),
    perThread: b.perThread.map((t) => ({
      denseGrad: new Float32Array(t.denseGrad),
      userSlot: new Int32Array(t.userSlot),
      itemSlot: new Int32Array(t.itemSlot),
      userRows: new Int32Array(t.userRows),
      itemRows: new Int32Array(t.itemRows),
      used: new Int32Array(t.used),
      userGrad: new Float32Array(t.userGrad),
      itemGrad: new Float32Array(t.itemGrad),
    })),
  };
}

/** One epoch's training rows in shared memory, already in batch order. */
export interface EpochBuffers {
  length: number;
  user: SharedArrayBuffer;
  item: SharedArrayBuffer;
  /** 0/1 interaction. */
  label: SharedArrayBuffer;
  /** LabelKind of each row, which picks its loss weight from kindWeight. */
  kind: SharedArrayBuffer;
  kindWeight: Float32Array;
}

export interface EpochViews {
  length: number;
  user: Int32Array;
  item: Int32Array;
  label: Uint8Array;
  kind: Uint8Array;
  kindWeight: Float32Array;
}

/** Shared arrays for `capacity` rows (10 bytes a row), reused by every epoch that fits. */
export function allocateEpochBuffers(capacity: number, kindWeight: Float32Array): EpochBuffers {
  const n = Math.max(capacity, 1);
  return {
    length: 0,
    user: new SharedArrayBuffer(4 * n),
    item: new SharedArrayBuffer(4 * n),
    label: new SharedArrayBuffer(n),
    kind: new SharedArrayBuffer(n),
    kindWeight,
  };
}

export function epochViews(e: EpochBuffers): EpochViews {
  return {
    length: e.length,
    user: new Int32Array(e.user),
    item: new Int32Array(e.item),
    label: new Uint8Array(e.label),
    kind: new Uint8Array(e.kind),
    kindWeight: e.kindWeight,
  };
}
