import { describe, expect, it } from 'vitest';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { easeScores, fitEase } from '../src/service/signals/ease.js';
import {
  accumulateItemItem,
  describeItemItem,
  fitSparseItemItem,
  itemItemScores,
  itemItemWeight,
} from '../src/service/signals/sparse-item-item.js';

/** A ratings table from [user, item] pairs (indices), every rating a 4. */
function table(pairs: Array<[number, number]>, users: number, items: number): RatingsTable {
  return {
    length: pairs.length,
    user: Uint32Array.from(pairs, (p) => p[0]),
    item: Uint32Array.from(pairs, (p) => p[1]),
    rating: Float32Array.from(pairs, () => 4),
    timestamp: new Uint32Array(pairs.length),
    userIds: Int32Array.from({ length: users }, (_, u) => u + 1),
    itemIds: Int32Array.from({ length: items }, (_, i) => i + 1),
    userIndex: new Map(Array.from({ length: users }, (_, u) => [u + 1, u])),
    itemIndex: new Map(Array.from({ length: items }, (_, i) => [i + 1, i])),
  };
}

/** 30 users over 12 movies: three taste groups of 4 movies, plus some cross-group noise. */
function fixture(): RatingsTable {
  const pairs: Array<[number, number]> = [];
  let seed = 5;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let u = 0; u < 30; u++) {
    const group = u % 3;
    for (let i = 0; i < 12; i++) {
      const inGroup = Math.floor(i / 4) === group;
      if (next() < (inGroup ? 0.7 : 0.12)) pairs.push([u, i]);
    }
  }
  return table(pairs, 30, 12);
}

describe('sparse item-item', () => {
  const ratings = fixture();

  it('equals EASE, negative weights included, where EASE covers every movie and rows are not cut', () => {
    const sparse = fitSparseItemItem(ratings, { lambda: 5, head: 12, neighbours: 12 });
    const ease = fitEase(ratings, { lambda: 5, maxItems: 12 });
    const V = ease.vocab.length;
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        const w = i === j ? 0 : (ease.weights[(ease.position[i] as number) * V + (ease.position[j] as number)] as number);
        expect(itemItemWeight(sparse, i, j)).toBeCloseTo(w, 6);
      }
    }
    const want = new Float32Array(12);
    easeScores(ease, [0, 5], [9], 0.5, want);
    const got = new Float32Array(12);
    itemItemScores(sparse, [0, 5], [9], 0.5, got);
    for (let j = 0; j < 12; j++) expect(got[j]).toBeCloseTo(want[j] as number, 5);
  });

  it('keeps the entries largest in magnitude when a row is cut, negative ones too', () => {
    const sparse = fitSparseItemItem(ratings, { lambda: 5, head: 12, neighbours: 4 });
    const ease = fitEase(ratings, { lambda: 5, maxItems: 12 });
    const V = ease.vocab.length;
    let negativesKept = 0;
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) if (itemItemWeight(sparse, i, j) < 0) negativesKept++;
      const v = ease.position[i] as number;
      const magnitudes = Array.from({ length: 12 }, (_, j) =>
        j === i ? 0 : Math.abs(ease.weights[v * V + (ease.position[j] as number)] as number),
      );
      const fourth = [...magnitudes].sort((a, b) => b - a)[3] as number;
      for (let j = 0; j < 12; j++) {
        const kept = itemItemWeight(sparse, i, j);
        if ((magnitudes[j] as number) > fourth + 1e-9) expect(Math.abs(kept)).toBeCloseTo(magnitudes[j] as number, 6);
        if ((magnitudes[j] as number) < fourth - 1e-9) expect(kept).toBe(0);
      }
    }
    expect(negativesKept).toBeGreaterThan(0);
  });

  it('gives the tail its shrunk-cosine neighbours, on EASE’s scale, strongest first', () => {
    const shrink = 2;
    const sparse = fitSparseItemItem(ratings, { lambda: 5, head: 4, neighbours: 3, shrink });
    expect(sparse.info.head).toBe(4);
    const users = Array.from({ length: 12 }, () => new Set<number>());
    for (let r = 0; r < ratings.length; r++) users[ratings.item[r] as number]?.add(ratings.user[r] as number);
    const cosine = (i: number, j: number) => {
      const a = users[i] as Set<number>;
      const b = users[j] as Set<number>;
      const both = [...a].filter((u) => b.has(u)).length;
      return both / (Math.sqrt(a.size * b.size) + shrink);
    };
    const ease = fitEase(ratings, { lambda: 5, maxItems: 4 });
    for (let i = 0; i < 12; i++) {
      if ((ease.position[i] as number) >= 0) continue;
      const reference = Array.from({ length: 12 }, (_, j) => j)
        .filter((j) => j !== i && cosine(i, j) > 0)
        .sort((a, b) => cosine(i, b) - cosine(i, a) || a - b)
        .slice(0, 3);
      const row = Array.from(sparse.targets.subarray(sparse.offsets[i], sparse.offsets[i + 1]));
      expect(row).toEqual(reference);
      for (const j of row) expect(itemItemWeight(sparse, i, j)).toBeCloseTo(cosine(i, j) * sparse.info.cosineScale, 5);
    }
    expect(sparse.info.covered).toBe(sparse.info.rated);
    expect(describeItemItem(sparse)).toContain(`${sparse.info.covered} of ${sparse.info.rated} rated movies`);
  });

  it('caps heavy users (seeded sample) and says how many', () => {
    const sparse = fitSparseItemItem(ratings, { head: 2, userCap: 3, neighbours: 5 });
    const heavy = new Map<number, number>();
    for (let r = 0; r < ratings.length; r++) heavy.set(ratings.user[r] as number, (heavy.get(ratings.user[r] as number) ?? 0) + 1);
    expect(sparse.info.cappedUsers).toBe([...heavy.values()].filter((n) => n > 3).length);
    const again = fitSparseItemItem(ratings, { head: 2, userCap: 3, neighbours: 5 });
    expect(Array.from(again.targets)).toEqual(Array.from(sparse.targets));
  });

  it('accumulates a sparse vector: each touched movie once, the dense scores, and a zeroed scratch', () => {
    const sparse = fitSparseItemItem(ratings, { lambda: 5, head: 6, neighbours: 4 });
    const scratch = new Float64Array(12);
    const { items, values } = accumulateItemItem(sparse, [1, 7], [10], 0.5, scratch);
    expect(new Set(items).size).toBe(items.length);
    expect(scratch.every((x) => x === 0)).toBe(true);
    const dense = new Float32Array(12);
    itemItemScores(sparse, [1, 7], [10], 0.5, dense);
    const fromSparse = new Float32Array(12);
    items.forEach((j, n) => {
      fromSparse[j] = values[n] as number;
    });
    expect(Array.from(fromSparse)).toEqual(Array.from(dense));
  });
});
