import { describe, expect, it } from 'vitest';
import { createRng } from '../src/recsys/random.js';
import { candidateSet } from '../src/service/candidates.js';
import { popularityOrder } from '../src/service/catalogue-stats.js';
import type { HybridParts } from '../src/service/hybrid.js';

const NO_OTHER_SOURCE = { popular: 0, perGenre: 0, prescore: 0, neighboursPerPick: 0 };

/** Only what candidateSet reads of the parts when nothing is liked: the genre count. */
const parts = { nItems: 200, genres: { names: ['Drama'], membership: new Uint8Array(200) } } as unknown as HybridParts;
const sources = { popular: new Uint32Array(0), popularByGenre: [new Uint32Array(0)], neighbours: null };

/** The k strongest by a full sort, ties to the lower movie: the set the selection must equal. */
function bySort(items: Uint32Array, values: Float64Array, k: number): number[] {
  const order = Array.from(items, (_, n) => n).sort((a, b) => values[b] - values[a] || items[a] - items[b]);
  return order
    .slice(0, k)
    .map((n) => items[n])
    .sort((a, b) => a - b);
}

describe('candidate stage: the strongest item-item movies', () => {
  it('keeps exactly the set a full sort keeps, ties going to the lower movie', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 50; trial++) {
      const items = Uint32Array.from(rng.shuffle(Array.from({ length: 200 }, (_, j) => j)).slice(0, 20 + rng.int(150)));
      // Few distinct values, so the k-th value is nearly always shared by several movies.
      const values = Float64Array.from(items, () => rng.int(6) - 2);
      const k = 1 + rng.int(items.length - 1);
      const got = candidateSet(
        parts,
        sources,
        { liked: [], genres: [], itemItem: { items, values }, prescored: null },
        { ...NO_OTHER_SOURCE, itemItem: k },
      );
      expect(Array.from(got)).toEqual(bySort(items, values, k));
    }
  });

  it('keeps every movie when there are no more than the limit', () => {
    const items = Uint32Array.of(9, 3, 7);
    const got = candidateSet(
      parts,
      sources,
      { liked: [], genres: [], itemItem: { items, values: Float64Array.of(1, 1, 1) }, prescored: null },
      { ...NO_OTHER_SOURCE, itemItem: 3 },
    );
    expect(Array.from(got)).toEqual([3, 7, 9]);
  });
});

describe('popularityOrder', () => {
  it('walks the catalogue most popular first, ties to the lower movie', () => {
    expect(Array.from(popularityOrder(new Float32Array([0.5, 2, 0.5, 3, 2, 0])))).toEqual([3, 1, 4, 0, 2, 5]);
    expect(popularityOrder(new Float32Array(0))).toHaveLength(0);
  });
});
