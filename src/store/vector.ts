import { StoreVectorError } from './errors.js';

export type VectorInput = Float32Array | readonly number[];

/**
 * LanceDB silently pads short vectors with nulls and truncates long ones when writing a fixed-size
 * list (seen in 0.31.0), so the length check has to happen here, before every write and search.
 */
export function toVector(value: VectorInput, dimension: number, what: string): Float32Array {
  if (value.length !== dimension) throw new StoreVectorError(what, dimension, value.length);
  const out = value instanceof Float32Array ? value : Float32Array.from(value);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new StoreVectorError(what, dimension, value.length, `${what}: vector value ${i} is ${String(out[i])}`);
    }
  }
  return out;
}
