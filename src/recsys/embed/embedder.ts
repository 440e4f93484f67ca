import { ReelrecError } from '../../errors.js';

/** Which embedder produced a set of vectors; stored beside the vectors so sets are never mixed. */
export interface EmbedderInfo {
  id: 'lamini' | 'hashing';
  /** Model id (`Xenova/LaMini-Flan-T5-77M`) or versioned scheme name (`hashing-v1-256`). */
  model: string;
  dimension: number;
}

/** Turns texts into unit-length vectors of `info.dimension` floats, one per text, in input order. */
export interface Embedder {
  readonly info: EmbedderInfo;
  /** Batches internally, so callers may pass a whole catalogue. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Releases native resources (ONNX sessions); the embedder must not be used afterwards. */
  dispose?(): Promise<void>;
}

/** Vectors from two different embedders (or dimensions) would give meaningless cosine scores. */
export class EmbedderMismatchError extends ReelrecError {
  override name = 'EmbedderMismatchError';
  constructor(
    readonly expected: EmbedderInfo,
    readonly actual: EmbedderInfo,
    what: string,
  ) {
    super(
      'embedder_mismatch',
      `${what} was embedded with ${describeEmbedder(expected)} but the query uses ${describeEmbedder(actual)}; rebuild with \`reelrec build\``,
    );
  }
}

/** `lamini Xenova/LaMini-Flan-T5-77M (512-d)`. */
export function describeEmbedder(info: EmbedderInfo): string {
  return `${info.id} ${info.model} (${info.dimension}-d)`;
}

export function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.id === b.id && a.model === b.model && a.dimension === b.dimension;
}

/** `what` names the stored side, e.g. `movies table`. */
export function assertSameEmbedder(expected: EmbedderInfo, actual: EmbedderInfo, what: string): void {
  if (!sameEmbedder(expected, actual)) throw new EmbedderMismatchError(expected, actual, what);
}

/** Blank text has no meaning to embed; failing names the index so the caller can find the row. */
export function assertTexts(texts: readonly string[]): void {
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (typeof text !== 'string' || text.trim() === '') {
      throw new ReelrecError('empty_text', `cannot embed text ${i}: it is empty or whitespace only`);
    }
  }
}

/** Scales `v` to unit length in place; a zero vector stays zero (callers make sure it cannot be). */
export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

/** Dot product, which is the cosine for the unit vectors embedders return. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
