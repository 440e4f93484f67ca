import { startProgress } from '../../progress.js';
import { type EvaluationResult, evaluateVariants, type Recommender, type Split } from '../../recsys/eval/index.js';
import type { BenchRow } from '../types.js';

/** The ml-100k protocol every model row is measured with: stratified 75/25, seed 42, k = 10. */
export const K = 10;
export const SPLIT = { ratio: 0.75, seed: 42 } as const;
export const METRICS = [`precision@${K}`, `recall@${K}`, `ndcg@${K}`, 'map'] as const;

/** Microsoft Recommenders' published ml-100k rows (random 75/25 split, seen items removed, k = 10). */
export const PUBLISHED_ML100K: BenchRow[] = [
  { model: 'most-popular (MS Recommenders)', 'precision@10': 0.2246, 'recall@10': 0.1117, 'ndcg@10': 0.2529, map: 0.055 },
  {
    model: 'NCF (MS Recommenders)',
    'precision@10': 0.3473,
    'recall@10': 0.1808,
    'ndcg@10': 0.3961,
    map: 0.1077,
    trainSeconds: 113,
    top10AllUsersSeconds: 8.9,
  },
  { model: 'BPR (MS Recommenders)', 'precision@10': 0.3882, 'recall@10': 0.2125, 'ndcg@10': 0.442, map: 0.1325 },
  { model: 'BiVAE (MS Recommenders)', 'precision@10': 0.4118, 'recall@10': 0.2191, 'ndcg@10': 0.4751, map: 0.1461 },
  { model: 'SAR (MS Recommenders)', 'precision@10': 0.3308, 'recall@10': 0.1764, 'ndcg@10': 0.3825, map: 0.1106 },
  { model: 'NCF (the seed, its own protocol)', 'precision@10': 0.4, 'ndcg@10': 0.302 },
];

export function publishedRow(model: string): BenchRow {
  const row = PUBLISHED_ML100K.find((r) => r.model === model);
  if (!row) throw new Error(`no published row ${model}`);
  return row;
}

export function metricsRow(model: string, r: EvaluationResult, extra: Record<string, number | string> = {}): BenchRow {
  return {
    model,
    relevant: r.relevance === 'all' ? 'every held-out' : 'rating ≥ 4',
    users: r.users,
    [`precision@${K}`]: r.precision,
    [`recall@${K}`]: r.recall,
    [`ndcg@${K}`]: r.ndcg,
    map: r.map,
    [`hr@${K}`]: r.hitRate,
    coverage: r.coverage,
    ...extra,
  };
}

/** Fits and evaluates one recommender; one row per relevance variant ('every held-out' first). */
export async function fitAndEvaluate(rec: Recommender, split: Split): Promise<{ results: EvaluationResult[]; fitSeconds: number }> {
  const fitStarted = performance.now();
  await rec.fit(split.train);
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const progress = startProgress(`evaluating ${rec.name}`, split.train.userIds.length, 'users');
  const results = await evaluateVariants(rec, split, { k: K, relevances: ['all', 'rating>=4'], progress });
  progress.stop();
  return { results, fitSeconds };
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function sd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

/** Mean, sd, min and max of each metric over several runs, one row per metric. */
export function spreadRows(prefix: string, runs: Array<Record<string, number>>, metrics: readonly string[]): BenchRow[] {
  return metrics.map((metric) => {
    const values = runs.map((r) => r[metric] as number);
    return {
      model: `${prefix} ${metric}`,
      runs: `${values.length}`,
      mean: mean(values),
      sd: sd(values),
      min: Math.min(...values),
      max: Math.max(...values),
    };
  });
}
