import { describe, expect, it } from 'vitest';
import { RatingsBuilder, selectRows } from '../src/recsys/data/ratings-table.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { evaluateRecommender, evaluateVariants } from '../src/recsys/eval/evaluate.js';
import type { Recommender } from '../src/recsys/eval/recommender.js';
import type { Split } from '../src/recsys/eval/splits.js';

/** Scores item i as (nItems − i): the same ranking 0, 1, 2, … for everyone. Counts calls. */
class Fixed implements Recommender {
  readonly name = 'fixed';
  calls: number[] = [];
  async fit(_train: RatingsTable): Promise<void> {}
  async scoreUser(user: number, out: Float32Array): Promise<void> {
    this.calls.push(user);
    for (let i = 0; i < out.length; i++) out[i] = out.length - i;
  }
}

/**
 * 6 items, users 1, 2, 3, 4 (dense 0..3). Rows: [user, item, rating, isTest].
 * user 1: train {0}, test {1 (r5), 3 (r2)}
 * user 2: train {1, 2}, test {0 (r3)}
 * user 3: train {0}, no test
 * user 4: train {}, test {5 (r4)}
 */
function split(): Split {
  const rows: [number, number, number, boolean][] = [
    [1, 0, 4, false],
    [1, 1, 5, true],
    [1, 3, 2, true],
    [2, 1, 4, false],
    [2, 2, 4, false],
    [2, 0, 3, true],
    [3, 0, 1, false],
    [4, 5, 4, true],
  ];
  const b = new RatingsBuilder(4);
  for (const [u, i, r] of rows) b.push(u, i, r, 0);
  const all = b.finish(Int32Array.from([1, 2, 3, 4, 5, 6]));
  const idx = rows.map((_, i) => i);
  return {
    train: selectRows(
      all,
      idx.filter((i) => !rows[i]?.[3]),
    ),
    test: selectRows(
      all,
      idx.filter((i) => rows[i]?.[3]),
    ),
  };
}

describe('evaluateRecommender', () => {
  it("relevance 'all': every test rating counts, train items are never recommended", async () => {
    // k = 2. Candidate lists (ranking 0,1,2,… minus train items):
    // user 1: [1, 2] rel {1, 3} → P 1/2, R 1/2, NDCG 1/(1 + 1/log2 3) = 0.61315, AP (1/1)/2 = 0.5, HR 1
    // user 2: [0, 3] rel {0}    → P 1/2, R 1,   NDCG 1,                          AP 1,           HR 1
    // user 4: [0, 1] rel {5}    → all 0
    // user 3 has no test ratings → skipped. Coverage: {0,1,2,3} / 6.
    const r = await evaluateRecommender(new Fixed(), split(), { k: 2 });
    expect(r.users).toBe(3);
    expect(r.relevance).toBe('all');
    expect(r.precision).toBeCloseTo((0.5 + 0.5 + 0) / 3, 12);
    expect(r.recall).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(r.ndcg).toBeCloseTo((1 / (1 + 1 / Math.log2(3)) + 1) / 3, 12);
    expect(r.map).toBeCloseTo((0.5 + 1) / 3, 12);
    expect(r.hitRate).toBeCloseTo(2 / 3, 12);
    expect(r.coverage).toBeCloseTo(4 / 6, 12);
    expect(r.seconds).toBeGreaterThanOrEqual(0);
  });

  it("relevance 'rating>=4': only liked test ratings count; users without any are skipped", async () => {
    // user 1: [1, 2] rel {1} → P 1/2, R 1, NDCG 1, AP 1; user 4: [0, 1] rel {5} → 0; user 2 skipped.
    const r = await evaluateRecommender(new Fixed(), split(), { k: 2, relevance: 'rating>=4' });
    expect(r.users).toBe(2);
    expect(r.precision).toBeCloseTo(0.25, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.ndcg).toBeCloseTo(0.5, 12);
    expect(r.map).toBeCloseTo(0.5, 12);
    expect(r.coverage).toBeCloseTo(3 / 6, 12); // {0, 1, 2}
  });
});

describe('evaluateVariants', () => {
  it('scores each user once and matches the single-variant results', async () => {
    const rec = new Fixed();
    let total = -1;
    let ticks = 0;
    const progress = {
      increment: () => {
        ticks++;
      },
      update: () => {},
      setTotal: (t: number) => {
        total = t;
      },
      stop: () => {},
    };
    const [all, liked] = await evaluateVariants(rec, split(), { k: 2, progress });
    expect(rec.calls).toEqual([0, 1, 3]);
    expect(total).toBe(3);
    expect(ticks).toBe(3);
    const single = await evaluateRecommender(new Fixed(), split(), { k: 2 });
    const singleLiked = await evaluateRecommender(new Fixed(), split(), { k: 2, relevance: 'rating>=4' });
    expect({ ...all, seconds: 0 }).toEqual({ ...single, seconds: 0 });
    expect({ ...liked, seconds: 0 }).toEqual({ ...singleLiked, seconds: 0 });
  });
});
