import { describe, expect, it } from 'vitest';
import { RatingsBuilder } from '../src/recsys/data/ratings-table.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { chronologicalSplit, leaveOneOutSplit, stratifiedSplit } from '../src/recsys/eval/splits.js';

/** rows: [userId, itemIndex, rating, timestamp]; 20 catalogue items with ids 101..120. */
function table(rows: [number, number, number, number][]): RatingsTable {
  const b = new RatingsBuilder(4);
  for (const [u, i, r, t] of rows) b.push(u, i, r, t);
  return b.finish(Int32Array.from({ length: 20 }, (_, j) => 101 + j));
}

/** User `u` rates items 0..n-1 with timestamps 1000+ (reverse order, so file order ≠ time order). */
function userRows(u: number, n: number): [number, number, number, number][] {
  return Array.from({ length: n }, (_, j) => [u, j, 1 + (j % 5), 1000 + n - j] as [number, number, number, number]);
}

const pairs = (t: RatingsTable, u: number): number[] =>
  Array.from({ length: t.length }, (_, i) => i)
    .filter((i) => t.user[i] === u)
    .map((i) => t.item[i]);

describe('stratifiedSplit', () => {
  const t = table([...userRows(7, 4), ...userRows(3, 10), ...userRows(9, 1), ...userRows(5, 2)]);

  it("'round' cuts every user at round(ratio × n) and keeps id maps", () => {
    const { train, test } = stratifiedSplit(t, { cut: 'round' });
    expect(train.length + test.length).toBe(t.length);
    expect(train.userIds).toBe(t.userIds);
    expect(test.itemIds).toBe(t.itemIds);
    // dense users: 3→0 (10 ratings), 5→1 (2), 7→2 (4), 9→3 (1)
    // train counts: round(7.5)=8, round(1.5)=2, round(3)=3, single rating → train
    expect(pairs(train, 0).length).toBe(8);
    expect(pairs(train, 1).length).toBe(2);
    expect(pairs(train, 2).length).toBe(3);
    expect(pairs(train, 3).length).toBe(1);
    expect(pairs(test, 3).length).toBe(0);
    for (let u = 0; u < 4; u++) {
      const all = [...pairs(train, u), ...pairs(test, u)].sort((a, b) => a - b);
      expect(all).toEqual(pairs(t, u).sort((a, b) => a - b));
    }
  });

  it("'floor' cuts like MS Recommenders and is the default", () => {
    expect(Array.from(stratifiedSplit(t).train.item)).toEqual(Array.from(stratifiedSplit(t, { cut: 'floor' }).train.item));
    const { train } = stratifiedSplit(t, { cut: 'floor' });
    expect(pairs(train, 0).length).toBe(7); // floor(7.5)
    expect(pairs(train, 1).length).toBe(1); // floor(1.5)
    expect(pairs(train, 2).length).toBe(3); // 0.75 × 4 = 3 exactly
    expect(pairs(train, 3).length).toBe(1);
  });

  it('is reproducible from the seed and changes with it', () => {
    const a = stratifiedSplit(t, { seed: 1 });
    const b = stratifiedSplit(t, { seed: 1 });
    expect(Array.from(a.test.item)).toEqual(Array.from(b.test.item));
    const differs = [2, 3, 4, 5, 6].some(
      (seed) => Array.from(stratifiedSplit(t, { seed }).test.item).join() !== Array.from(a.test.item).join(),
    );
    expect(differs).toBe(true);
  });

  it('rejects ratios outside (0, 1)', () => {
    expect(() => stratifiedSplit(t, { ratio: 1 })).toThrow(/ratio/);
    expect(() => stratifiedSplit(t, { ratio: 0 })).toThrow(/ratio/);
  });
});

describe('leaveOneOutSplit', () => {
  it('holds out the latest rating, the later row on ties, and keeps singletons in train', () => {
    const t = table([
      [1, 0, 5, 100],
      [1, 1, 4, 300],
      [1, 2, 3, 200],
      [2, 3, 5, 50],
      [2, 4, 5, 50],
      [3, 5, 2, 10],
    ]);
    const { train, test } = leaveOneOutSplit(t);
    expect(pairs(test, 0)).toEqual([1]);
    expect(pairs(test, 1)).toEqual([4]);
    expect(pairs(test, 2)).toEqual([]);
    expect(pairs(train, 0)).toEqual([0, 2]);
    expect(pairs(train, 2)).toEqual([5]);
    expect(test.length).toBe(2);
  });
});

describe('chronologicalSplit', () => {
  it('trains on each user’s earliest share', () => {
    // user 4 rates items 0..7 with timestamps 1008..1001: item 7 is earliest.
    const t = table([...userRows(4, 8), [6, 9, 4, 5], [6, 10, 4, 5], [6, 11, 4, 1]]);
    const { train, test } = chronologicalSplit(t, { ratio: 0.5, cut: 'round' });
    expect(pairs(train, 0).sort((a, b) => a - b)).toEqual([4, 5, 6, 7]);
    expect(pairs(test, 0).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    // user 6: round(1.5) = 2 → item 11 (t=1) then item 9 (t=5, earlier in file than item 10)
    expect(pairs(train, 1)).toEqual([9, 11]);
    expect(pairs(test, 1)).toEqual([10]);
    // default 'floor': floor(1.5) = 1 → only the earliest, item 11
    expect(pairs(chronologicalSplit(t, { ratio: 0.5 }).train, 1)).toEqual([11]);
  });
});
