import { ReelrecError } from '../../errors.js';

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;
type TypedArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

/**
 * Scratch bytes of one thread's slot: a kernel call's operands (64 KB), a chunk of row indices
 * (16 KB), a chunk of results (32 KB), two layer buffers (4,096 units each, the widest layer the
 * NeuMF config allows) and a request's prescore inputs (kept across its per-block calls), so any
 * call fits by chunking rows.
 */
export const KERNEL_SLOT_BYTES = 256 * 1024;
export const SLOT_LAYOUT = {
  operands: 0,
  operandBytes: 64 * 1024,
  items: 64 * 1024,
  results: 80 * 1024,
  layerA: 112 * 1024,
  layerB: 128 * 1024,
  layerBytes: 16 * 1024,
  prescore: 144 * 1024,
  prescoreBytes: 112 * 1024,
};
/** Rows a kernel call handles at once: the items and results areas hold this many. */
export const KERNEL_CHUNK = 4096;
/** Header words: [0] slots, [1] bytes of one slot, [2] where slot 0 starts. */
const HEADER_BYTES = 64;
const PAGE_BYTES = 65536;
const ALIGN = 16;

/** A model whose typed arrays all live in `memory`, with `slots` threads' scratch beside them. */
export interface KernelPlacement<T> {
  value: T;
  memory: WebAssembly.Memory;
  slots: number;
}

/**
 * A copy of `value` whose typed arrays live in one shared WebAssembly memory, each 16-byte
 * aligned, after a scratch slot for each of `slots` threads (the main thread and each rank worker).
 * Shared memory, so posting the copy and the memory to a worker shares the bytes instead of
 * copying them; WebAssembly memory, so the kernels (kernels.wat) read the model where it is.
 * Walks arrays and plain objects like `shareTypedArrays` did; other values are kept as they are.
 */
export function placeInKernelMemory<T>(value: T, slots: number): KernelPlacement<T> {
  if (!Number.isInteger(slots) || slots < 1)
    throw new ReelrecError('kernel_memory', `kernel memory needs at least one thread slot, got ${slots}`);
  const arrays = new Map<TypedArray, number>();
  let end = HEADER_BYTES + slots * KERNEL_SLOT_BYTES;
  collect(value, new Set(), (array) => {
    if (arrays.has(array)) return;
    arrays.set(array, end);
    end += Math.ceil(array.byteLength / ALIGN) * ALIGN;
  });
  const pages = Math.max(1, Math.ceil(end / PAGE_BYTES));
  if (pages > 65536) throw new ReelrecError('kernel_memory', `the model needs ${(end / 2 ** 30).toFixed(1)} GB, above WebAssembly's 4 GB`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  new Int32Array(memory.buffer, 0, 3).set([slots, KERNEL_SLOT_BYTES, HEADER_BYTES]);
  const placed = new Map<TypedArray, TypedArray>();
  for (const [array, offset] of arrays) {
    const copy = new (array.constructor as TypedArrayConstructor)(memory.buffer, offset, array.length);
    (copy as Uint8Array).set(array as Uint8Array);
    placed.set(array, copy);
  }
  return { value: rebuild(value, placed, new Map()) as T, memory, slots };
}

/** Where thread slot `slot`'s scratch starts in a memory `placeInKernelMemory` made. */
export function slotOffset(memory: WebAssembly.Memory, slot: number): number {
  const [slots, slotBytes, first] = new Int32Array(memory.buffer, 0, 3) as unknown as [number, number, number];
  if (!Number.isInteger(slot) || slot < 0 || slot >= slots)
    throw new ReelrecError('kernel_memory', `thread slot ${slot} is outside the kernel memory's ${slots} slots`);
  return first + slot * slotBytes;
}

/** Bytes of `value`'s typed arrays that are in shared memory (for the start-up log and tests). */
export function sharedBytes(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer ? value.byteLength : 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + sharedBytes(item, seen), 0);
  if (Object.getPrototypeOf(value) !== Object.prototype) return 0;
  return Object.values(value).reduce((sum: number, item) => sum + sharedBytes(item, seen), 0);
}

function isTypedArray(value: object): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function collect(value: unknown, seen: Set<object>, visit: (array: TypedArray) => void): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTypedArray(value)) visit(value);
  else if (Array.isArray(value)) for (const item of value) collect(item, seen, visit);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const item of Object.values(value)) collect(item, seen, visit);
}

function rebuild(value: unknown, placed: Map<TypedArray, TypedArray>, done: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const seen = done.get(value);
  if (seen !== undefined) return seen;
  let out: unknown = value;
  if (isTypedArray(value)) out = placed.get(value) ?? value;
  else if (Array.isArray(value)) {
    const items = value.map((item) => rebuild(item, placed, done));
    out = items.every((item, i) => item === value[i]) ? value : items;
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    const rebuilt = entries.map(([key, item]) => [key, rebuild(item, placed, done)] as const);
    // Objects without typed arrays (movies, names) stay the same objects: nothing to place, nothing to copy.
    out = rebuilt.every(([, item], i) => item === entries[i]?.[1]) ? value : Object.fromEntries(rebuilt);
  }
  done.set(value, out);
  return out;
}
