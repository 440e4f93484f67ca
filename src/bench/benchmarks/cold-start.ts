import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProgress } from '../../progress.js';
import { findTextFile, loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import type { Catalogue, RatingsTable } from '../../recsys/data/types.js';
import { embedCatalogue, HashingEmbedder } from '../../recsys/embed/index.js';
import type { RankingMetrics } from '../../recsys/eval/metrics.js';
import { neumfConfig } from '../../recsys/ncf/config.js';
import { NeuMF } from '../../recsys/ncf/neumf.js';
import type { MovieEmbeddings } from '../../recsys/profiles/vectors.js';
import { weightsFor } from '../../service/blend-weights.js';
import { drawCases, evaluateCases, holdOutUsers } from '../../service/cold-start.js';
import {
  blend,
  computeSignals,
  type HybridParts,
  oneHot,
  SIGNAL_DEFAULTS,
  SIGNALS,
  type SignalName,
  standardizeAll,
} from '../../service/hybrid.js';
import { annNeighbours } from '../../service/neighbour-lists.js';
import { assembleParts } from '../../service/parts.js';
import { MAX_BLEND_VALIDATION_USERS, tuneBlend } from '../../service/tune-blend.js';
import { buildTwoStageIndex } from '../../service/two-stage.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';
import { type CandidateStageResult, measureCandidateStage, quantile } from './candidate-stage.js';

export const COLD_START = { testShare: 0.2, validationShare: 0.15, picks: [1, 3, 5, 10], k: 10 } as const;
const METHODS: Array<{ name: string; signal: SignalName | 'hybrid' }> = [
  { name: 'most-popular', signal: 'popularity' },
  { name: 'content only', signal: 'content' },
  { name: 'fold-in only', signal: 'foldIn' },
  { name: 'item-item only (EASE head + cosine tail)', signal: 'itemItem' },
  { name: 'genre only', signal: 'genre' },
  { name: 'hybrid', signal: 'hybrid' },
];

async function fitParts(
  datasetName: string,
  catalogue: Catalogue,
  train: RatingsTable,
  movies: MovieEmbeddings,
  seed: number,
  label: string,
) {
  const model = new NeuMF({ seed }, { datasetName, progress: startProgress(label, neumfConfig().epochs, 'batches') });
  await model.fit(train);
  const started = performance.now();
  const parts = assembleParts(catalogue, train, model, movies);
  const assembleSeconds = (performance.now() - started) / 1000;
  const backend = model.manifest.backend;
  model.dispose();
  return { parts, trainSeconds: model.training?.seconds ?? 0, assembleSeconds, backend };
}

/**
 * New users on MovieLens (ml-100k unless --dataset): 20 % of users held out entirely; each gives n of their ≥ 4 ratings as picks.
 * Blend weights are tuned on 15 % of the remaining users with models fitted without them, then the
 * models are refitted on every non-test user and scored on the test users.
 */
export const coldStartBenchmark: Benchmark = {
  name: 'cold-start',
  description: `new users from n picked movies (held-out users, P/R/NDCG@${COLD_START.k})`,
  onDataset: true,
  async run({ dataDir, dataset, seed }) {
    const dir = await locateDataset(dataDir, dataset, { strict: true });
    const textFile = findTextFile(dir);
    const data = await loadMovieLens(dir, { progress: true, ...(textFile ? { textFile } : {}) });
    const embedder = new HashingEmbedder();
    const embedded = await embedCatalogue(data.catalogue, embedder);
    const movies = { vectors: embedded.vectors, dim: embedded.dim };

    const test = holdOutUsers(data.ratings, COLD_START.testShare, seed);
    const testSet = new Set(test.heldOut);
    const rest = Array.from({ length: data.ratings.userIds.length }, (_, u) => u).filter((u) => !testSet.has(u));
    const validation = holdOutUsers(data.ratings, COLD_START.validationShare, seed + 1, rest, MAX_BLEND_VALIDATION_USERS);

    const tuning = await fitParts(data.name, data.catalogue, validation.train, movies, seed, 'NeuMF without validation users');
    const tuned = tuneBlend(tuning.parts, data.ratings, validation.heldOut, SIGNAL_DEFAULTS, seed);
    const final = await fitParts(data.name, data.catalogue, test.train, movies, seed, 'NeuMF on every non-test user');

    const rows: BenchRow[] = METHODS.map(({ name }) => ({ model: name }));
    const ann = await scratchNeighbours(final.parts, data.name);
    const indexStarted = performance.now();
    const twoStageIndex = buildTwoStageIndex(final.parts, { neighbours: ann.lists });
    const twoStageIndexSeconds = (performance.now() - indexStarted) / 1000;
    const stages: Array<{ picks: number; full: number; stage: CandidateStageResult }> = [];
    const detail: BenchRow[] = [];
    const requestMs: number[] = [];
    for (const picks of COLD_START.picks) {
      const cases = drawCases(data.ratings, test.heldOut, picks, seed);
      const z = new Map<number, ReturnType<typeof standardizeAll>>();
      for (const c of cases) {
        const started = performance.now();
        z.set(c.user, standardizeAll(computeSignals(final.parts, { liked: c.picks, disliked: [] }).raw));
        requestMs.push(performance.now() - started);
      }
      const hybridWeights = weightsFor(tuned.blend, picks);
      const fullOut = new Float32Array(final.parts.nItems);
      const stage = measureCandidateStage(
        final.parts,
        twoStageIndex,
        cases,
        hybridWeights,
        (c) => blend(z.get(c.user) ?? {}, hybridWeights, fullOut),
        COLD_START.k,
      );
      METHODS.forEach(({ name, signal }, m) => {
        const weights = signal === 'hybrid' ? weightsFor(tuned.blend, picks) : oneHot(signal);
        const out = new Float32Array(final.parts.nItems);
        const metrics: RankingMetrics = evaluateCases(
          cases,
          final.parts.nItems,
          (c) => blend(z.get(c.user) ?? {}, weights, out),
          COLD_START.k,
        );
        const row = rows[m] as BenchRow;
        row[`ndcg@10 (${picks} picks)`] = metrics.ndcg;
        if (signal === 'hybrid') stages.push({ picks, full: metrics.ndcg, stage });
        if (picks === 5) {
          row['precision@10 (5 picks)'] = metrics.precision;
          row['recall@10 (5 picks)'] = metrics.recall;
        }
        detail.push({
          model: name,
          picks,
          users: metrics.users,
          'precision@10': metrics.precision,
          'recall@10': metrics.recall,
          'ndcg@10': metrics.ndcg,
          map: metrics.map,
        });
      });
    }
    rows.push({
      ...twoStageRow(stages),
      'ANN recall@30 (text)': ann.text.recallAtK,
      'ANN recall@30 (collaborative)': ann.collaborative.recallAtK,
    });
    requestMs.sort((a, b) => a - b);
    const pct = (p: number) => requestMs[Math.min(requestMs.length - 1, Math.floor(p * requestMs.length))] ?? 0;
    return {
      dataset: `${data.name} (${test.heldOut.length} test users, ${validation.heldOut.length} validation users, embedder ${embedder.info.id})`,
      rows,
      bars: [...coldStartBars(rows), ...twoStageBars(), ...(data.name === 'ml-100k' ? qualityHoldsBars() : [])],
      tables: [
        { title: 'Every method at every number of picks', rows: detail },
        {
          title: 'Tuned blend weights (validation users)',
          rows: tuned.blend.buckets.map((b, i) => ({
            model: bucketLabel(tuned.blend.buckets, i),
            ...b.weights,
            'validation ndcg@10': tuned.validation[i]?.ndcg ?? null,
          })),
        },
      ],
      details: {
        protocol: { ...COLD_START, seed, likedRating: 4, relevant: 'the held-out user’s other ratings ≥ 4', excluded: 'the picks' },
        signalsMsPerRequest: { p50: pct(0.5), p99: pct(0.99), max: requestMs[requestMs.length - 1] ?? 0 },
        neumf: { tuningTrainSeconds: tuning.trainSeconds, finalTrainSeconds: final.trainSeconds, backend: final.backend },
        itemItemSeconds: final.assembleSeconds,
        itemItem: final.parts.itemItem.info,
        twoStage: {
          indexSeconds: twoStageIndexSeconds,
          ann: { options: ann.options, text: ann.text, collaborative: ann.collaborative },
          limits: twoStageIndex.limits,
          foldInSample: twoStageIndex.stats.foldInSample.length,
          perPicks: stages.map(({ picks, stage }) => ({
            picks,
            recall: stage.recall,
            casesWithMiss: stage.casesWithMiss,
            cases: stage.sizes.length,
            msP50: quantile(
              [...stage.ms].sort((a, b) => a - b),
              0.5,
            ),
          })),
        },
        blend: tuned.blend,
        signals: SIGNALS,
      },
    };
  },
};

/** The issue's targets: ≥ 1.3× most-popular at 5 picks, above every single signal, never below most-popular. */
/**
 * Issue 12's "quality holds": the hybrid at every pick count within 0.005 of what it scored on
 * ml-100k before two-stage ranking and the sparse item-item model (bench/results/cold-start.json
 * at c6f1269).
 */
const HYBRID_BEFORE_ISSUE_12: Record<number, number> = { 1: 0.4594, 3: 0.4972, 5: 0.5111, 10: 0.5104 };

function qualityHoldsBars(): BenchBar[] {
  return Object.entries(HYBRID_BEFORE_ISSUE_12).map(([picks, before]) => ({
    model: 'hybrid',
    metric: `ndcg@10 (${picks} picks)`,
    min: Math.round((before - 0.005) * 1e4) / 1e4,
    why: `within 0.005 of the hybrid before issue 12 (${before} at ${picks} picks)`,
  }));
}

function coldStartBars(rows: BenchRow[]): BenchBar[] {
  const value = (model: string, metric: string) => Number(rows.find((r) => r.model === model)?.[metric] ?? Number.NaN);
  const at5 = 'ndcg@10 (5 picks)';
  const bars: BenchBar[] = [
    { model: 'hybrid', metric: at5, min: 1.3 * value('most-popular', at5), why: '≥ 1.3 × most-popular at 5 picks' },
  ];
  for (const { name, signal } of METHODS) {
    if (signal === 'hybrid' || signal === 'popularity') continue;
    bars.push({ model: 'hybrid', metric: at5, min: value(name, at5) + 1e-9, why: `above ${name} at 5 picks` });
  }
  for (const picks of COLD_START.picks) {
    const metric = `ndcg@10 (${picks} picks)`;
    bars.push({ model: 'hybrid', metric, min: value('most-popular', metric), why: `never below most-popular (${picks} picks)` });
  }
  return bars;
}

/** The build's neighbour lists, in a scratch folder (the bench's own; the service store is not touched). */
async function scratchNeighbours(parts: HybridParts, dataset: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `reelrec-neighbours-${dataset}-`));
  try {
    return await annNeighbours(dir, parts.movies, { vectors: parts.foldIn.gmfItem, dim: parts.foldIn.factors });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const TWO_STAGE_ROW = 'two-stage (candidates, then the hybrid)';

/** The candidate stage against the full hybrid: recall of its top 10, NDCG change, candidate sizes. */
function twoStageRow(stages: Array<{ picks: number; full: number; stage: CandidateStageResult }>): BenchRow {
  const row: BenchRow = { model: TWO_STAGE_ROW };
  let found = 0;
  let cases = 0;
  const sizes: number[] = [];
  for (const { picks, full, stage } of stages) {
    row[`ndcg@10 (${picks} picks)`] = stage.twoStage.ndcg;
    row[`ndcg@10 change (${picks} picks)`] = stage.twoStage.ndcg - full;
    row[`candidate recall (${picks} picks)`] = stage.recall;
    found += stage.recall * stage.sizes.length;
    cases += stage.sizes.length;
    sizes.push(...stage.sizes);
  }
  sizes.sort((a, b) => a - b);
  row['candidate recall'] = cases > 0 ? found / cases : 1;
  row['candidates p50'] = quantile(sizes, 0.5);
  row['candidates max'] = sizes[sizes.length - 1] ?? 0;
  return row;
}

/** Issue 12: the candidates hold ≥ 99 % of the full hybrid's top 10, and NDCG drops by at most 0.005. */
function twoStageBars(): BenchBar[] {
  const bars: BenchBar[] = [
    {
      model: TWO_STAGE_ROW,
      metric: 'candidate recall',
      min: 0.99,
      why: 'the candidates contain ≥ 99 % of the full-catalogue hybrid’s top 10',
    },
  ];
  for (const picks of COLD_START.picks) {
    bars.push({
      model: TWO_STAGE_ROW,
      metric: `ndcg@10 change (${picks} picks)`,
      min: -0.005,
      why: `ranking only the candidates costs at most 0.005 NDCG@10 (${picks} picks)`,
    });
  }
  return bars;
}

function bucketLabel(buckets: ReadonlyArray<{ upTo: number }>, i: number): string {
  const from = i === 0 ? 1 : (buckets[i - 1]?.upTo ?? 0) + 1;
  const upTo = buckets[i]?.upTo ?? from;
  if (upTo >= Number.MAX_SAFE_INTEGER) return `${from}+ picks`;
  return from === upTo ? `${from} pick${from === 1 ? '' : 's'}` : `${from}–${upTo} picks`;
}
