import * as tf from '@tensorflow/tfjs';

/**
 * UnsortedSegmentSum is the gradient of `gather`, i.e. of every embedding lookup. The wasm
 * backend has no kernel for it and the stock cpu one is ~650× slower than needed, so both get
 * this scatter-add over the backend's own typed arrays. It relies on backend internals, which is
 * why every @tensorflow package is pinned to exactly 4.22.0.
 */
interface SegmentSumAttrs {
  numSegments: number;
}

type ReadSync = (dataId: tf.TensorInfo['dataId']) => tf.backend_util.BackendValues;

interface WasmLikeBackend {
  readSync: ReadSync;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

interface CpuLikeBackend {
  readSync: ReadSync;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
}

function scatterAdd(x: Float32Array, ids: Int32Array, width: number, out: Float32Array): void {
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    if (segment < 0) continue;
    const to = segment * width;
    const from = row * width;
    for (let c = 0; c < width; c++) out[to + c] += x[from + c];
  }
}

function shapes(x: tf.TensorInfo, numSegments: number): { outShape: number[]; width: number } {
  const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
  return { outShape: [numSegments, ...x.shape.slice(1)], width };
}

const registered = new Set<string>();

/** Registers the kernel for `backendName` ('wasm' or 'cpu'), replacing cpu's slow one. Idempotent. */
export function registerSegmentSumKernel(backendName: 'wasm' | 'cpu'): void {
  if (registered.has(backendName)) return;
  if (tf.getKernel('UnsortedSegmentSum', backendName)) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as SegmentSumAttrs;
      if (x.dtype !== 'float32') throw new TypeError(`UnsortedSegmentSum: only float32 is supported, got ${x.dtype}`);
      const { outShape, width } = shapes(x, numSegments);
      const xs = (backend as WasmLikeBackend).readSync(x.dataId) as Float32Array;
      const ids = Int32Array.from((backend as WasmLikeBackend).readSync(segmentIds.dataId) as ArrayLike<number>);
      if (backendName === 'wasm') {
        const wasm = backend as WasmLikeBackend;
        const out = wasm.makeOutput(outShape, 'float32');
        const values = wasm.typedArrayFromHeap(out) as Float32Array;
        values.fill(0);
        scatterAdd(xs, ids, width, values);
        return out;
      }
      const values = new Float32Array(numSegments * width);
      scatterAdd(xs, ids, width, values);
      return (backend as CpuLikeBackend).makeTensorInfo(outShape, 'float32', values);
    },
  });
  registered.add(backendName);
}
