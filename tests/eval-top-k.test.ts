import { describe, expect, it } from 'vitest';
import { topK } from '../src/recsys/eval/top-k.js';
import { createRng } from '../src/recsys/random.js';

/** Reference: full sort by (score desc, index asc). */
function naiveTopK(scores: Float32Array, k: number, exclude?: Uint8Array): number[] {
  const idx = Array.from(scores.keys()).filter((i) => exclude?.[i] !== 1);
  const key = (i: number): number => (Number.isNaN(scores[i]) ? Number.NEGATIVE_INFINITY : scores[i]);
  idx.sort((a, b) => key(b) - key(a) || a - b);
  return idx.slice(0, k);
}

describe('topK', () => {
  it('returns the best items, best first', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.7, 0.3]);
    expect(Array.from(topK(scores, 3))).toEqual([1, 3, 2]);
  });

  it('breaks ties by lower item index', () => {
    const scores = Float32Array.from([1, 2, 2, 1, 2, 0]);
    expect(Array.from(topK(scores, 4))).toEqual([1, 2, 4, 0]);
    expect(Array.from(topK(new Float32Array(6), 3))).toEqual([0, 1, 2]);
  });

  it('never returns excluded items', () => {
    const scores = Float32Array.from([5, 4, 3, 2, 1]);
    const exclude = Uint8Array.from([1, 0, 1, 0, 0]);
    expect(Array.from(topK(scores, 2, exclude))).toEqual([1, 3]);
  });

  it('returns fewer than k when fewer candidates exist', () => {
    const scores = Float32Array.from([3, 2, 1]);
    expect(Array.from(topK(scores, 10))).toEqual([0, 1, 2]);
    expect(Array.from(topK(scores, 10, Uint8Array.from([1, 1, 0])))).toEqual([2]);
    expect(topK(scores, 3, Uint8Array.from([1, 1, 1])).length).toBe(0);
    expect(topK(scores, 0).length).toBe(0);
    expect(topK(new Float32Array(0), 5).length).toBe(0);
  });

  it('ranks NaN below every number', () => {
    const scores = Float32Array.from([Number.NaN, -1e30, Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(Array.from(topK(scores, 4))).toEqual([1, 0, 2, 3]);
  });

  it('agrees with a full sort on random inputs with many ties', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.int(300);
      const scores = new Float32Array(n);
      for (let i = 0; i < n; i++) scores[i] = rng.int(20);
      const exclude = new Uint8Array(n);
      for (let i = 0; i < n; i++) exclude[i] = rng.next() < 0.3 ? 1 : 0;
      const k = rng.int(40);
      expect(Array.from(topK(scores, k, exclude))).toEqual(naiveTopK(scores, k, exclude));
    }
  });
});
