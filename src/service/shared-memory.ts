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
type TypedArrayConstructor = new (buffer: SharedArrayBuffer) => TypedArray;

/**
 * A copy of `value` whose typed arrays live in SharedArrayBuffers: posting it to a worker (or
 * cloning it into workerData) then shares those bytes instead of copying them. Walks arrays and
 * plain objects whatever their fields, so a part added to the model later is shared too; other
 * values (numbers, strings, Maps) are kept as they are and cloned once per worker, and an object
 * holding no typed array is returned as it is rather than copied.
 */
export function shareTypedArrays<T>(value: T): T {
  return share(value, new Map()) as T;
}

function share(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Two fields may hold the same array (a view reused by two parts): one shared copy for both.
  const done = seen.get(value);
  if (done !== undefined) return done;
  let out: unknown;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const source = value as TypedArray;
    const copy = new (source.constructor as TypedArrayConstructor)(new SharedArrayBuffer(source.byteLength));
    (copy as Uint8Array).set(source as Uint8Array);
    out = copy;
  } else if (Array.isArray(value)) {
    const items = value.map((item) => share(item, seen));
    out = items.every((item, i) => item === value[i]) ? value : items;
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    const shared = entries.map(([key, item]) => [key, share(item, seen)] as const);
    // Objects without typed arrays (movies, names) stay the same objects: nothing to share, nothing to copy.
    out = shared.every(([, item], i) => item === entries[i]?.[1]) ? value : Object.fromEntries(shared);
  } else {
    out = value;
  }
  seen.set(value, out);
  return out;
}

/** Bytes of `value`'s typed arrays that are in SharedArrayBuffers (for the start-up log and tests). */
export function sharedBytes(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer ? value.byteLength : 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + sharedBytes(item, seen), 0);
  if (Object.getPrototypeOf(value) !== Object.prototype) return 0;
  return Object.values(value).reduce((sum: number, item) => sum + sharedBytes(item, seen), 0);
}
