import { ConfigError } from '../../errors.js';
import { assertTexts, type Embedder, type EmbedderInfo, l2Normalise } from './embedder.js';

/**
 * A model-free embedder: feature hashing of unigrams and bigrams, then a sparse random
 * projection (Achlioptas: +1, 0, −1 with probabilities ≈1/6, 2/3, 1/6) whose matrix entries are
 * regenerated from each feature's hash, so nothing is stored and nothing is downloaded.
 * Integer hashing and a fixed order of float operations (V8's Math.log is a deterministic
 * fdlibm port), so a text gives the same vector on every machine and every run.
 *
 * Changing any constant or rule below changes every vector: bump `VERSION` so stored tables
 * built with the old scheme are refused by assertSameEmbedder instead of silently mixed.
 */
const VERSION = 'v1';
const SEED = 0x5eed_f11e;
const UNIGRAM_SALT = 0x0000_0001;
const BIGRAM_SALT = 0x0b16_a4a5;
/** Bigrams sharpen phrases ("space ranger") but should not outvote the words themselves. */
const BIGRAM_WEIGHT = 0.5;
export const DEFAULT_HASHING_DIMENSION = 256;

/** Function words that carry no topic; dropping them keeps unrelated overviews from looking alike. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for from has have he her his in into is it its of on or she so that the their them ' +
    'they this to was were will with who whom which what when where while s t after before about over than then there ' +
    'these those up out off down not no i you we our your my me him us also can'
  ).split(' '),
);

export interface HashingEmbedderOptions {
  /** Output size; default 256. Part of `info.model`, so different sizes are never mixed. */
  dimension?: number;
}

export class HashingEmbedder implements Embedder {
  readonly info: EmbedderInfo;
  private readonly dimension: number;

  constructor(options: HashingEmbedderOptions = {}) {
    const dimension = options.dimension ?? DEFAULT_HASHING_DIMENSION;
    if (!Number.isInteger(dimension) || dimension < 8 || dimension > 4096) {
      throw new ConfigError('dimension', `expected an integer from 8 to 4096, got ${dimension}`);
    }
    this.dimension = dimension;
    this.info = { id: 'hashing', model: `hashing-${VERSION}-${dimension}`, dimension };
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    assertTexts(texts);
    return texts.map((text) => this.embedOne(text));
  }

  /** Synchronous core, for callers (and benchmarks) that do not need the async interface. */
  embedOne(text: string): Float32Array {
    assertTexts([text]);
    const acc = new Float64Array(this.dimension);
    const features = hashedFeatures(text);
    for (const [hash, weight] of features) project(hash, weight, acc);
    // At small dimensions a one-word text can land on an all-zero column; a unit vector is promised.
    if (acc.every((x) => x === 0)) acc[features[0][0] % acc.length] = 1;
    return l2Normalise(Float32Array.from(acc));
  }
}

/** Lower-case words and numbers with accents stripped, so "Amélie" and "amelie" agree. */
export function tokenise(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Feature hash → weight, with sublinear term frequency (1 + ln tf) so repeats do not dominate. */
function hashedFeatures(text: string): Array<[number, number]> {
  const all = tokenise(text);
  let words = all.filter((w) => !STOP_WORDS.has(w));
  // A title such as "It" is all stop words; it still needs a vector of its own.
  if (words.length === 0) words = all;
  // Only punctuation or symbols: hash the raw text so it is at least self-similar.
  if (words.length === 0) return [[fnv1a(text.trim(), SEED), 1]];
  const unigrams = new Map<number, number>();
  const bigrams = new Map<number, number>();
  let previous = 0;
  for (let i = 0; i < words.length; i++) {
    const hash = fnv1a(words[i], SEED ^ UNIGRAM_SALT);
    unigrams.set(hash, (unigrams.get(hash) ?? 0) + 1);
    if (i > 0) {
      const pair = mix32(Math.imul(previous, 0x9e3779b1) ^ hash ^ BIGRAM_SALT);
      bigrams.set(pair, (bigrams.get(pair) ?? 0) + 1);
    }
    previous = hash;
  }
  const features: Array<[number, number]> = [];
  for (const [hash, tf] of unigrams) features.push([hash, 1 + Math.log(tf)]);
  for (const [hash, tf] of bigrams) features.push([hash, BIGRAM_WEIGHT * (1 + Math.log(tf))]);
  return features;
}

/**
 * Matrix entry for each byte value: +1 for 43 of the 256 values, −1 for 43, else 0, i.e.
 * Achlioptas' 1/6, 2/3, 1/6 to within 0.002. A table lookup and a multiply keep the inner loop
 * branch-free, which is most of the embedder's speed.
 */
const ENTRY = Float64Array.from({ length: 256 }, (_, b) => (b < 43 ? 1 : b < 86 ? -1 : 0));

/**
 * Adds `weight` × column `hash` of the implicit projection matrix to `acc`. The column is
 * regenerated from an xorshift32 stream seeded by the hash; each 32-bit draw gives four entries.
 */
function project(hash: number, weight: number, acc: Float64Array): void {
  // xorshift32 must not start at 0; mixing with the seed first also decorrelates nearby hashes.
  let x = mix32(hash ^ SEED) | 1;
  const n = acc.length;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc[j] += weight * ENTRY[x & 0xff];
    acc[j + 1] += weight * ENTRY[(x >>> 8) & 0xff];
    acc[j + 2] += weight * ENTRY[(x >>> 16) & 0xff];
    acc[j + 3] += weight * ENTRY[x >>> 24];
  }
  if (j < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    for (let shift = 0; j < n; j++, shift += 8) acc[j] += weight * ENTRY[(x >>> shift) & 0xff];
  }
}

/** 32-bit FNV-1a over UTF-16 code units, with the offset basis perturbed by `seed`. */
export function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3's finaliser: spreads FNV's weak low bits before they pick matrix entries. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
