import { describe, expect, it } from 'vitest';
import { MostPopular } from '../src/recsys/baselines/most-popular.js';
import { RatingsBuilder } from '../src/recsys/data/ratings-table.js';
import { recommendTopK } from '../src/recsys/eval/recommender.js';

function train() {
  const b = new RatingsBuilder(4);
  // item 2: 3 ratings, items 0 and 3: 2 each, item 1: 1, item 4: none
  for (const [u, i] of [
    [1, 2],
    [2, 2],
    [3, 2],
    [1, 3],
    [2, 3],
    [2, 0],
    [3, 0],
    [3, 1],
  ] as const)
    b.push(u, i, 1, 0);
  return b.finish(Int32Array.from([10, 11, 12, 13, 14]));
}

describe('MostPopular', () => {
  it('scores items by train rating count, the same for every user', async () => {
    const rec = new MostPopular();
    await rec.fit(train());
    const a = new Float32Array(5);
    const b = new Float32Array(5);
    rec.scoreUser(0, a);
    rec.scoreUser(2, b);
    expect(Array.from(a)).toEqual([2, 1, 3, 2, 0]);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('ranks ties by lower index and skips excluded items', async () => {
    const rec = new MostPopular();
    await rec.fit(train());
    expect(Array.from(await recommendTopK(rec, 0, 3, new Uint8Array(5)))).toEqual([2, 0, 3]);
    expect(Array.from(await recommendTopK(rec, 0, 3, Uint8Array.from([0, 0, 1, 0, 0])))).toEqual([0, 3, 1]);
  });

  it('refuses to score before fit', () => {
    expect(() => new MostPopular().scoreUser(0, new Float32Array(5))).toThrow(/before fit/);
  });
});
