import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MostPopular } from '../src/recsys/baselines/most-popular.js';
import { loadMovieLens } from '../src/recsys/data/index.js';
import { RatingsBuilder } from '../src/recsys/data/ratings-table.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import type { Recommender } from '../src/recsys/eval/recommender.js';
import { evaluateSampledLeaveOneOut, sampledCandidates } from '../src/recsys/eval/sampled-loo.js';
import { leaveOneOutSplit, type Split } from '../src/recsys/eval/splits.js';
import { createRng } from '../src/recsys/random.js';
import { hasSharedData, sharedDataRoot } from './helpers/data-root.js';

/** Scores from a fixed per-user row, so ranks can be worked out by hand. */
class Table implements Recommender {
  readonly name = 'table';
  constructor(private readonly rows: number[][]) {}
  async fit(_train: RatingsTable): Promise<void> {}
  scoreUser(user: number, out: Float32Array): void {
    out.set(this.rows[user] ?? []);
  }
}

class Constant implements Recommender {
  readonly name = 'constant';
  async fit(_train: RatingsTable): Promise<void> {}
  scoreUser(_user: number, out: Float32Array): void {
    out.fill(1);
  }
}

/** Uniform noise, reseeded per user so it is reproducible whatever order users come in. */
class Noise implements Recommender {
  readonly name = 'noise';
  async fit(_train: RatingsTable): Promise<void> {}
  scoreUser(user: number, out: Float32Array): void {
    const rng = createRng(1000 + user);
    for (let i = 0; i < out.length; i++) out[i] = rng.next();
  }
}

/**
 * Items 0..6 (ids 10..16); item 6 is in the catalogue but nobody rated it. Rows [user, item, ts];
 * the ts-2 row of each user is what leaveOneOutSplit holds out.
 * user 1 (0): train {0, 1}, test 2 · user 2 (1): train {3}, test 5 · user 3 (2): train {4}, test 1
 * user 4 (3): train {0}, test 3     · user 5 (4): train {2}, no test (a single rating stays in train)
 */
function tinySplit(): Split {
  const rows: [number, number, number][] = [
    [1, 0, 1],
    [1, 1, 1],
    [1, 2, 2],
    [2, 3, 1],
    [2, 5, 2],
    [3, 4, 1],
    [3, 1, 2],
    [4, 0, 1],
    [4, 3, 2],
    [5, 2, 1],
  ];
  const b = new RatingsBuilder(4);
  for (const [u, i, ts] of rows) b.push(u, i, 4, ts);
  return leaveOneOutSplit(b.finish(Int32Array.from([10, 11, 12, 13, 14, 15, 16])));
}

// Item 6 scores 100 for everyone: it would sink every target if unrated items were ever drawn.
const TINY_SCORES = [
  [9, 9, 5, 4, 3, 2, 100], // target 2 vs {3, 4, 5}: rank 0
  [6, 5, 4, 0, 2, 1, 100], // target 5 vs {0, 1, 2, 4}: all four above, rank 4
  [6, 5, 4, 3, 0, 2, 100], // target 1 vs {0, 2, 3, 5}: item 0 above, rank 1
  [1, 1, 1, 1, 1, 1, 100], // target 3 vs {1, 2, 4, 5}: four ties, rank floor(4 / 2) = 2
  [0, 0, 0, 0, 0, 0, 0],
];

/**
 * `nUsers` users each rate `perUser` distinct items drawn by `draw`, in increasing timestamps,
 * so leaveOneOutSplit holds out each user's last draw.
 */
function synthetic(
  nUsers: number,
  nItems: number,
  perUser: (u: number) => number,
  draw: (rng: ReturnType<typeof createRng>) => number,
  seed = 7,
): RatingsTable {
  const rng = createRng(seed);
  const b = new RatingsBuilder();
  for (let u = 0; u < nUsers; u++) {
    const seen = new Set<number>();
    const n = perUser(u);
    while (seen.size < n) {
      const item = draw(rng);
      if (seen.has(item)) continue;
      seen.add(item);
      b.push(u + 1, item, 4, seen.size);
    }
  }
  return b.finish(Int32Array.from({ length: nItems }, (_, j) => j + 1));
}

/** Item j drawn with weight 1 / (j + 1)^1.1, so low indices are popular (a Zipf-like catalogue). */
function zipfDraw(nItems: number): (rng: ReturnType<typeof createRng>) => number {
  const cdf = new Float64Array(nItems);
  let total = 0;
  for (let j = 0; j < nItems; j++) cdf[j] = total += 1 / (j + 1) ** 1.1;
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = nItems - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

describe('sampledCandidates', () => {
  it('samples all non-interacted rated items when there are fewer than asked for', () => {
    const tasks = Array.from(sampledCandidates(tinySplit()));
    expect(tasks.map(({ user, target, negatives }) => ({ user, target, negatives: Array.from(negatives) }))).toEqual([
      { user: 0, target: 2, negatives: [3, 4, 5] },
      { user: 1, target: 5, negatives: [0, 1, 2, 4] },
      { user: 2, target: 1, negatives: [0, 2, 3, 5] },
      { user: 3, target: 3, negatives: [1, 2, 4, 5] },
    ]);
  });

  it("never draws the user's own train or test items, nor unrated items, and draws without replacement", () => {
    // 300 rated items + 20 nobody rated. Users 0..4 are heavy: 150 ratings leave 150 candidates,
    // too few for rejection sampling, and 260 ratings leave 40, fewer than 99.
    const nItems = 320;
    const table = synthetic(
      200,
      nItems,
      (u) => (u < 2 ? 150 : u < 5 ? 260 : 5 + (u % 30)),
      (rng) => rng.int(300),
    );
    const split = leaveOneOutSplit(table);
    const own = new Map<number, Set<number>>();
    for (const t of [split.train, split.test]) {
      for (let i = 0; i < t.length; i++) {
        const set = own.get(t.user[i]) ?? new Set<number>();
        set.add(t.item[i]);
        own.set(t.user[i], set);
      }
    }
    const rated = new Set<number>(table.item);
    let users = 0;
    for (const { user, target, negatives } of sampledCandidates(split, { negatives: 99, seed: 3 })) {
      users++;
      const mine = own.get(user) ?? new Set<number>();
      expect(mine.has(target)).toBe(true);
      expect(new Set(negatives).size).toBe(negatives.length);
      for (const item of negatives) {
        expect(mine.has(item)).toBe(false);
        expect(rated.has(item)).toBe(true);
      }
      const available = rated.size - mine.size;
      expect(negatives.length).toBe(Math.min(99, available));
    }
    expect(users).toBe(200);
  });

  it('depends only on (split, seed, user): same seed, same candidates; another seed, others', () => {
    const split = leaveOneOutSplit(
      synthetic(
        50,
        400,
        () => 20,
        (rng) => rng.int(400),
      ),
    );
    const flat = (seed: number): number[][] => Array.from(sampledCandidates(split, { seed }), (c) => Array.from(c.negatives));
    expect(flat(42)).toEqual(flat(42));
    expect(flat(43)).not.toEqual(flat(42));
  });
});

describe('evaluateSampledLeaveOneOut', () => {
  it('matches hand-computed HR and NDCG on a tiny table', async () => {
    const split = tinySplit();
    const ticks: string[] = [];
    const progress = {
      increment: () => ticks.push('+'),
      update: () => {},
      setTotal: (t: number) => ticks.push(`total ${t}`),
      stop: () => {},
    };
    const r3 = await evaluateSampledLeaveOneOut(new Table(TINY_SCORES), split, { k: 3, progress });
    // Ranks 0, 4, 1, 2: k = 3 hits users 0, 2 and 3 (the tie block's mid-rank).
    expect(r3.users).toBe(4);
    expect(r3.hitRate).toBeCloseTo(3 / 4, 12);
    expect(r3.ndcg).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(4)) / 4, 12);
    expect(r3).toMatchObject({ k: 3, negatives: 99, shortUsers: 4 });
    expect(ticks).toEqual(['total 4', '+', '+', '+', '+']);
    const r2 = await evaluateSampledLeaveOneOut(new Table(TINY_SCORES), split, { k: 2 });
    expect(r2.hitRate).toBeCloseTo(2 / 4, 12);
    expect(r2.ndcg).toBeCloseTo((1 + 1 / Math.log2(3)) / 4, 12);
  });

  it('does not reward a constant-score model; random scores land at chance (10 / 100)', async () => {
    const split = leaveOneOutSplit(
      synthetic(
        1000,
        1500,
        (u) => 5 + (u % 40),
        (rng) => rng.int(1500),
      ),
    );
    const constant = await evaluateSampledLeaveOneOut(new Constant(), split);
    expect(constant.users).toBe(1000);
    expect(constant.hitRate).toBeLessThanOrEqual(0.2);
    // Mid-rank of a 100-way tie is 49, outside any top 10: the model is told nothing, and gets nothing.
    expect(constant.hitRate).toBe(0);
    const noise = await evaluateSampledLeaveOneOut(new Noise(), split);
    expect(noise.hitRate).toBeGreaterThan(0.06);
    expect(noise.hitRate).toBeLessThan(0.14);
  });

  it('ranks a NaN target last rather than letting false comparisons make it a hit', async () => {
    const targets = [2, 5, 1, 3];
    const rows = TINY_SCORES.map((row, u) => row.map((s, i) => (i === targets[u] ? Number.NaN : s)));
    // Comparing against NaN is always false, so without the guard every user would rank 0.
    const r = await evaluateSampledLeaveOneOut(new Table(rows), tinySplit(), { k: 3 });
    expect(r.users).toBe(4);
    expect(r.hitRate).toBe(0);
  });

  it('is reproducible: same seed, same figures', async () => {
    const split = leaveOneOutSplit(
      synthetic(
        300,
        800,
        () => 15,
        (rng) => rng.int(800),
      ),
    );
    const a = await evaluateSampledLeaveOneOut(new Noise(), split, { seed: 9 });
    const b = await evaluateSampledLeaveOneOut(new Noise(), split, { seed: 9 });
    expect({ ...a, seconds: 0 }).toEqual({ ...b, seconds: 0 });
  });

  it('rejects a split with several held-out items per user, and bad k / negatives', async () => {
    const b = new RatingsBuilder(4);
    b.push(1, 0, 4, 1);
    b.push(1, 1, 4, 2);
    const table = b.finish(Int32Array.from([10, 11, 12]));
    await expect(evaluateSampledLeaveOneOut(new Constant(), { train: table, test: table })).rejects.toThrow(/one held-out item per user/);
    await expect(evaluateSampledLeaveOneOut(new Constant(), tinySplit(), { k: 0 })).rejects.toThrow(/k:/);
    await expect(evaluateSampledLeaveOneOut(new Constant(), tinySplit(), { negatives: 1.5 })).rejects.toThrow(/negatives:/);
  });

  it('most-popular beats chance by far when ratings follow popularity', async () => {
    const nItems = 2000;
    const split = leaveOneOutSplit(synthetic(1000, nItems, (u) => 10 + (u % 50), zipfDraw(nItems)));
    const rec = new MostPopular();
    await rec.fit(split.train);
    const r = await evaluateSampledLeaveOneOut(rec, split);
    expect(r.users).toBe(1000);
    expect(r.hitRate).toBeGreaterThan(0.4);
    expect(r.ndcg).toBeGreaterThan(0.2);
  });
});

// He et al. (2017) report ItemPop HR@10 ≈ 0.45 on ml-1m with this protocol; ml-100k is similar.
describe.skipIf(!hasSharedData('ml-100k', 'u.data'))('ml-100k sampled leave-one-out', () => {
  it('most-popular lands in a sane HR@10 range', async () => {
    const { ratings } = await loadMovieLens(path.join(sharedDataRoot(), 'ml-100k'), { progress: false });
    const split = leaveOneOutSplit(ratings);
    const rec = new MostPopular();
    await rec.fit(split.train);
    const r = await evaluateSampledLeaveOneOut(rec, split, { negatives: 99, k: 10, seed: 42 });
    expect(r.users).toBe(943);
    expect(r.shortUsers).toBe(0);
    expect(r.hitRate).toBeGreaterThan(0.3);
    expect(r.hitRate).toBeLessThan(0.6);
    expect(r.ndcg).toBeLessThan(r.hitRate);
  });
});
