/**
 * Top-k ranking metrics with binary relevance, matching Microsoft Recommenders'
 * `recommenders.evaluation.python_evaluation` so our numbers are comparable with their benchmarks.
 *
 * Per-user functions take the ranked list (best first; only its first k entries count, and it may
 * be shorter than k) and the user's relevant items. They return 0 when `relevant` is empty; the
 * averaged metrics skip such users instead, as MS Recommenders does.
 */

export type ItemSet = ReadonlySet<number>;

function hitsAt(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  const n = Math.min(k, ranked.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (relevant.has(ranked[i])) hits++;
  return hits;
}

/** Hits in the top k / k: a list shorter than k is still divided by k (MS and Spark do the same). */
export function precisionAtK(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return k > 0 ? hitsAt(ranked, relevant, k) / k : 0;
}

/** Hits in the top k / |relevant|. */
export function recallAtK(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return relevant.size > 0 ? hitsAt(ranked, relevant, k) / relevant.size : 0;
}

/** 1 when any of the top k is relevant. */
export function hitAtK(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return hitsAt(ranked, relevant, k) > 0 ? 1 : 0;
}

/**
 * DCG / IDCG with gain 1 and discount 1 / log2(rank + 1), rank 1-based. The ideal list puts
 * min(k, |relevant|) hits at the top. (MS defaults to a natural-log discount; the base cancels.)
 */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  const idealHits = Math.min(k, relevant.size);
  if (idealHits === 0) return 0;
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  for (let i = 0; i < idealHits; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/**
 * Average precision in MS Recommenders' `map` sense (and `map_at_k` before v1.2): the sum, over the
 * ranks r ≤ k that hold a hit, of precision@r, divided by |relevant| — not by min(k, |relevant|),
 * so a user with 30 held-out items can reach at most k/30. This is what their published baseline
 * tables use.
 */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: ItemSet, k: number): number {
  if (relevant.size === 0) return 0;
  const n = Math.min(k, ranked.length);
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!relevant.has(ranked[i])) continue;
    hits++;
    sum += hits / (i + 1);
  }
  return sum / relevant.size;
}

/** Distinct items appearing in any list / catalogue size (all items, rated or not). */
export function catalogueCoverage(lists: Iterable<ArrayLike<number>>, nItems: number): number {
  if (nItems === 0) return 0;
  const seen = new Uint8Array(nItems);
  let distinct = 0;
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (seen[item] === 0) {
        seen[item] = 1;
        distinct++;
      }
    }
  }
  return distinct / nItems;
}

export interface RankingMetrics {
  k: number;
  /** Users averaged over: at least one relevant item and a non-empty recommendation list. */
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hitRate: number;
  coverage: number;
}

/**
 * Streams users in and averages their metrics, so the harness never has to keep every list.
 * Users with no relevant items or an empty list are ignored, matching MS Recommenders, which
 * averages over users present in both the truth and the predictions.
 */
export class MetricAccumulator {
  private users = 0;
  private precision = 0;
  private recall = 0;
  private ndcg = 0;
  private map = 0;
  private hits = 0;
  private readonly seen: Uint8Array;
  private distinct = 0;

  constructor(
    readonly k: number,
    readonly nItems: number,
  ) {
    this.seen = new Uint8Array(nItems);
  }

  /** Returns whether the user counted. */
  add(ranked: ArrayLike<number>, relevant: ItemSet): boolean {
    if (relevant.size === 0 || ranked.length === 0) return false;
    const k = this.k;
    this.users++;
    this.precision += precisionAtK(ranked, relevant, k);
    this.recall += recallAtK(ranked, relevant, k);
    this.ndcg += ndcgAtK(ranked, relevant, k);
    this.map += averagePrecisionAtK(ranked, relevant, k);
    this.hits += hitAtK(ranked, relevant, k);
    const n = Math.min(k, ranked.length);
    for (let i = 0; i < n; i++) {
      const item = ranked[i];
      if (this.seen[item] === 0) {
        this.seen[item] = 1;
        this.distinct++;
      }
    }
    return true;
  }

  result(): RankingMetrics {
    const u = this.users;
    const mean = (total: number): number => (u > 0 ? total / u : 0);
    return {
      k: this.k,
      users: u,
      precision: mean(this.precision),
      recall: mean(this.recall),
      ndcg: mean(this.ndcg),
      map: mean(this.map),
      hitRate: mean(this.hits),
      coverage: this.nItems > 0 ? this.distinct / this.nItems : 0,
    };
  }
}

/** Averages over a batch of (ranked, relevant) pairs; see MetricAccumulator for who counts. */
export function meanRankingMetrics(
  users: Iterable<{ ranked: ArrayLike<number>; relevant: ItemSet }>,
  k: number,
  nItems: number,
): RankingMetrics {
  const acc = new MetricAccumulator(k, nItems);
  for (const { ranked, relevant } of users) acc.add(ranked, relevant);
  return acc.result();
}
