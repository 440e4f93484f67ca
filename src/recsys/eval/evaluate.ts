import type { Progress } from '../../progress.js';
import { groupByUser } from '../data/ratings-table.js';
import { MetricAccumulator, type RankingMetrics } from './metrics.js';
import { forEachUserScores, type Recommender } from './recommender.js';
import type { Split } from './splits.js';
import { topK } from './top-k.js';

/** Which held-out ratings count as relevant: all of them, or only ratings ≥ 4 ("liked"). */
export type Relevance = 'all' | 'rating>=4';

export interface EvaluationResult extends RankingMetrics {
  relevance: Relevance;
  /** Wall-clock seconds of the whole evaluation pass (shared by variants evaluated together). */
  seconds: number;
}

export interface EvaluateOptions {
  k?: number;
  relevance?: Relevance;
  /** Gets setTotal(users to score) and one increment per user; the caller stops it. */
  progress?: Progress;
}

export interface EvaluateVariantsOptions {
  k?: number;
  relevances?: readonly Relevance[];
  progress?: Progress;
}

/**
 * Evaluates an already fitted recommender on `split.test`. Candidates are all items except the
 * user's train items; metrics follow MS Recommenders (see metrics.ts).
 */
export async function evaluateRecommender(rec: Recommender, split: Split, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const { k = 10, relevance = 'all', progress } = options;
  const [result] = await evaluateVariants(rec, split, { k, relevances: [relevance], progress });
  return result as EvaluationResult;
}

/**
 * Several relevance variants in one pass: each user is scored once and ranked once, since
 * scoring a neural model over the whole catalogue dominates the cost. Results follow `relevances`.
 */
export async function evaluateVariants(rec: Recommender, split: Split, options: EvaluateVariantsOptions = {}): Promise<EvaluationResult[]> {
  const { k = 10, relevances = ['all', 'rating>=4'], progress } = options;
  const started = performance.now();
  const { train, test } = split;
  const nItems = train.itemIds.length;
  const trainGroups = groupByUser(train);
  const testGroups = groupByUser(test);
  const nUsers = Math.min(train.userIds.length, test.userIds.length);
  const accs = relevances.map(() => new MetricAccumulator(k, nItems));

  const relevantSets = (u: number): Set<number>[] => {
    const sets = relevances.map(() => new Set<number>());
    for (let j = testGroups.offsets[u]; j < testGroups.offsets[u + 1]; j++) {
      const row = testGroups.order[j];
      relevances.forEach((rel, v) => {
        if (rel === 'all' || test.rating[row] >= 4) sets[v]?.add(test.item[row]);
      });
    }
    return sets;
  };

  const toScore: number[] = [];
  const relevantByUser = new Map<number, Set<number>[]>();
  for (let u = 0; u < nUsers; u++) {
    const sets = relevantSets(u);
    if (!sets.some((s) => s.size > 0)) continue;
    toScore.push(u);
    relevantByUser.set(u, sets);
  }
  progress?.setTotal(toScore.length);

  const exclude = new Uint8Array(nItems);
  await forEachUserScores(rec, toScore, nItems, (u, scores) => {
    const t0 = trainGroups.offsets[u];
    const t1 = trainGroups.offsets[u + 1];
    for (let j = t0; j < t1; j++) exclude[train.item[trainGroups.order[j]]] = 1;
    const ranked = topK(scores, k, exclude);
    for (let j = t0; j < t1; j++) exclude[train.item[trainGroups.order[j]]] = 0;
    const sets = relevantByUser.get(u) as Set<number>[];
    for (let v = 0; v < sets.length; v++) accs[v]?.add(ranked, sets[v] as Set<number>);
    progress?.increment();
  });

  const seconds = (performance.now() - started) / 1000;
  return accs.map((acc, v) => ({ ...acc.result(), relevance: relevances[v] as Relevance, seconds }));
}
