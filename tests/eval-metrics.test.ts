import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogueCoverage,
  hitAtK,
  MetricAccumulator,
  meanRankingMetrics,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from '../src/recsys/eval/metrics.js';

const d = (rank: number): number => 1 / Math.log2(rank + 1);

describe('per-user metrics', () => {
  // ranked = [10, 20, 30, 40, 50], relevant = {20, 50, 99}, k = 5 → hits at ranks 2 and 5.
  const ranked = [10, 20, 30, 40, 50];
  const relevant = new Set([20, 50, 99]);

  it('precision, recall, hit rate', () => {
    expect(precisionAtK(ranked, relevant, 5)).toBeCloseTo(2 / 5, 12); // 2 hits / k=5
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 12); // 2 hits / |rel|=3
    expect(hitAtK(ranked, relevant, 5)).toBe(1);
    // k = 3 cuts the list to [10, 20, 30]: 1 hit.
    expect(precisionAtK(ranked, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(ranked, relevant, 3)).toBeCloseTo(1 / 3, 12);
  });

  it('NDCG with log2 discount and min(k, |rel|) ideal positions', () => {
    // DCG = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685 = 1.01778
    // IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093 → 0.47762
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo((d(2) + d(5)) / (d(1) + d(2) + d(3)), 12);
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(0.47762, 4);
  });

  it('average precision divides by |relevant|', () => {
    // precision@2 = 1/2, precision@5 = 2/5 → (0.5 + 0.4) / 3 = 0.3
    expect(averagePrecisionAtK(ranked, relevant, 5)).toBeCloseTo(0.3, 12);
  });

  it('no hits gives zeros everywhere', () => {
    const none = new Set([1, 2]);
    expect(precisionAtK(ranked, none, 5)).toBe(0);
    expect(recallAtK(ranked, none, 5)).toBe(0);
    expect(ndcgAtK(ranked, none, 5)).toBe(0);
    expect(averagePrecisionAtK(ranked, none, 5)).toBe(0);
    expect(hitAtK(ranked, none, 5)).toBe(0);
  });

  it('a list shorter than k is still divided by k for precision', () => {
    // ranked = [7, 8], relevant = {7}, k = 10 → P = 1/10, R = 1/1, NDCG = 1 (ideal is 1 hit at rank 1),
    // AP = (1/1) / 1 = 1.
    const short = [7, 8];
    const rel = new Set([7]);
    expect(precisionAtK(short, rel, 10)).toBeCloseTo(0.1, 12);
    expect(recallAtK(short, rel, 10)).toBe(1);
    expect(ndcgAtK(short, rel, 10)).toBeCloseTo(1, 12);
    expect(averagePrecisionAtK(short, rel, 10)).toBe(1);
  });

  it('|relevant| > k: IDCG over k positions, AP still over |relevant|', () => {
    // relevant = 1..6, k = 3, ranked = [1, 9, 2]: hits at ranks 1 and 3.
    const rel = new Set([1, 2, 3, 4, 5, 6]);
    const list = [1, 9, 2, 3];
    // P = 2/3, R = 2/6
    expect(precisionAtK(list, rel, 3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(list, rel, 3)).toBeCloseTo(1 / 3, 12);
    // DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 0.63093 + 0.5 = 2.13093 → 0.70392
    expect(ndcgAtK(list, rel, 3)).toBeCloseTo(1.5 / (1 + d(2) + 0.5), 12);
    expect(ndcgAtK(list, rel, 3)).toBeCloseTo(0.70392, 4);
    // AP = (1/1 + 2/3) / 6 = 0.27778 (MS `map`; dividing by min(k,|rel|)=3 would give 0.5556)
    expect(averagePrecisionAtK(list, rel, 3)).toBeCloseTo((1 + 2 / 3) / 6, 12);
  });

  it('empty relevant set returns 0 rather than NaN', () => {
    const empty = new Set<number>();
    expect(recallAtK([1], empty, 1)).toBe(0);
    expect(ndcgAtK([1], empty, 1)).toBe(0);
    expect(averagePrecisionAtK([1], empty, 1)).toBe(0);
  });
});

describe('averaged metrics', () => {
  it('averages over users with relevant items and a list, and counts coverage', () => {
    // user A: [0, 1], rel {1}      → P = 1/2, R = 1, NDCG = d(2)/d(1) = 0.63093, AP = (1/2)/1 = 0.5, HR 1
    // user B: [2, 3], rel {4, 5}   → all 0
    // user C: [0, 1], rel {}       → skipped (no relevant items)
    // user D: [],     rel {0}      → skipped (no recommendation)
    const m = meanRankingMetrics(
      [
        { ranked: [0, 1], relevant: new Set([1]) },
        { ranked: [2, 3], relevant: new Set([4, 5]) },
        { ranked: [0, 1], relevant: new Set<number>() },
        { ranked: [], relevant: new Set([0]) },
      ],
      2,
      10,
    );
    expect(m.users).toBe(2);
    expect(m.k).toBe(2);
    expect(m.precision).toBeCloseTo(0.25, 12); // (0.5 + 0) / 2
    expect(m.recall).toBeCloseTo(0.5, 12); // (1 + 0) / 2
    expect(m.ndcg).toBeCloseTo(d(2) / 2, 12); // 0.31546
    expect(m.map).toBeCloseTo(0.25, 12); // (0.5 + 0) / 2
    expect(m.hitRate).toBeCloseTo(0.5, 12);
    expect(m.coverage).toBeCloseTo(0.4, 12); // items {0,1,2,3} of 10 (skipped users don't count)
  });

  it('coverage only counts the first k of each list', () => {
    const acc = new MetricAccumulator(1, 4);
    acc.add([0, 1, 2], new Set([0]));
    acc.add([3, 1], new Set([0]));
    expect(acc.result().coverage).toBeCloseTo(0.5, 12); // items {0, 3} of 4
  });

  it('an empty accumulator reports zeros', () => {
    const r = new MetricAccumulator(10, 0).result();
    expect(r).toMatchObject({ users: 0, precision: 0, recall: 0, ndcg: 0, map: 0, hitRate: 0, coverage: 0 });
  });

  it('catalogueCoverage counts distinct items', () => {
    expect(catalogueCoverage([[0, 1], [1, 2], []], 8)).toBeCloseTo(3 / 8, 12);
    expect(catalogueCoverage([], 0)).toBe(0);
  });
});
