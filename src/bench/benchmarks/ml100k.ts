import { startProgress } from '../../progress.js';
import { MostPopular } from '../../recsys/baselines/most-popular.js';
import { loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import type { RatingsTable } from '../../recsys/data/types.js';
import {
  type EvaluationResult,
  evaluateRecommender,
  evaluateVariants,
  type Recommender,
  type Split,
  stratifiedSplit,
} from '../../recsys/eval/index.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';

const K = 10;

/** Microsoft Recommenders' ml-100k figures (random 75/25 split, seen items removed, k = 10). */
export const PUBLISHED_ML100K: BenchRow[] = [
  { model: 'most-popular (MS Recommenders)', 'precision@10': 0.2246, 'recall@10': 0.1117, 'ndcg@10': 0.2529, map: 0.055 },
];

const ANCHOR = PUBLISHED_ML100K[0] as BenchRow;
const ANCHOR_METRICS = ['precision@10', 'recall@10', 'ndcg@10', 'map'] as const;

/** Fits and evaluates one recommender; one row per relevance variant. */
export async function benchRecommender(rec: Recommender, split: Split): Promise<BenchRow[]> {
  const fitStarted = performance.now();
  await rec.fit(split.train);
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const progress = startProgress(`evaluating ${rec.name}`, split.train.userIds.length, 'users');
  const variants = await evaluateVariants(rec, split, { k: K, relevances: ['all', 'rating>=4'], progress });
  progress.stop();
  return variants.map((result) => metricsRow(rec.name, result, fitSeconds));
}

function metricsRow(model: string, r: EvaluationResult, fitSeconds: number): BenchRow {
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
    fitSeconds,
    evalSeconds: r.seconds,
  };
}

/**
 * Our RNG is not numpy's, so "seed 42" is a different split from Microsoft's; the spread over
 * ten seeds shows how much of any gap to the anchor is split luck rather than a harness error.
 */
async function mostPopularSeedSpread(ratings: RatingsTable, firstSeed: number): Promise<BenchRow[]> {
  const perMetric: Record<string, number[]> = { 'precision@10': [], 'recall@10': [], 'ndcg@10': [], map: [] };
  for (let s = firstSeed; s < firstSeed + 10; s++) {
    const split = stratifiedSplit(ratings, { ratio: 0.75, seed: s });
    const rec = new MostPopular();
    await rec.fit(split.train);
    const r = await evaluateRecommender(rec, split, { k: K });
    perMetric['precision@10']?.push(r.precision);
    perMetric['recall@10']?.push(r.recall);
    perMetric['ndcg@10']?.push(r.ndcg);
    perMetric.map?.push(r.map);
  }
  return Object.entries(perMetric).map(([metric, values]) => ({ model: `most-popular ${metric}`, ...summarize(values) }));
}

function summarize(values: number[]): { seeds: string; mean: number; sd: number; min: number; max: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { seeds: `${values.length}`, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export const ml100kBenchmark: Benchmark = {
  name: 'ml100k',
  description: `known users on MovieLens 100K: per-user stratified 75/25 split, seen items removed, k = ${K}`,
  async run({ dataDir, seed }) {
    const dir = await locateDataset(dataDir, 'ml-100k', { strict: true });
    const loadStarted = performance.now();
    const data = await loadMovieLens(dir, { progress: true });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const split = stratifiedSplit(data.ratings, { ratio: 0.75, seed });
    const rows = await benchRecommender(new MostPopular(), split);
    const seedSpread = await mostPopularSeedSpread(data.ratings, seed);
    const bars: BenchBar[] = ANCHOR_METRICS.map((metric) => ({
      model: 'most-popular',
      metric,
      expected: ANCHOR[metric] as number,
      tolerance: 0.02,
      why: 'must reproduce MS Recommenders within 0.02, or the harness is wrong',
    }));
    return {
      dataset: `${data.name} (${data.ratings.length} ratings, ${data.ratings.userIds.length} users, ${data.catalogue.movies.length} movies)`,
      rows,
      reference: PUBLISHED_ML100K,
      bars,
      details: {
        protocol: { split: 'per-user stratified', ratio: 0.75, seed, k: K, seenRemoved: true },
        trainRatings: split.train.length,
        testRatings: split.test.length,
        loadSeconds,
      },
      tables: [
        {
          title: `Most-popular over seeds ${seed}–${seed + 9} (our RNG is not numpy's: seed ${seed} is not Microsoft's split)`,
          rows: seedSpread,
        },
      ],
    };
  },
};
