import { loadavg } from 'node:os';
import { startProgress } from '../progress.js';
import { loadMovieLens, selectRows } from '../recsys/data/index.js';
import type { RatingsTable } from '../recsys/data/types.js';
import { embedCatalogue, HashingEmbedder } from '../recsys/embed/index.js';
import { neumfConfig } from '../recsys/ncf/config.js';
import { NeuMF } from '../recsys/ncf/neumf.js';
import { createRng } from '../recsys/random.js';
import { HardSampler } from '../recsys/sampling/index.js';
import type { BlendWeights } from '../service/blend-weights.js';
import { assembleParts, ratingCounts } from '../service/parts.js';
import type { RankingMode } from '../service/scoring.js';
import { createRecommendationService } from '../service/service.js';
import { fitSparseItemItem, SPARSE_ITEM_ITEM_DEFAULTS } from '../service/signals/sparse-item-item.js';
import { peakRssMB } from './machine.js';

/**
 * One size of `reelrec bench scaling`, measured in its own process (the scaling worker) so that
 * the peak RSS it reports belongs to this size alone: load, hard sampling, one NeuMF epoch, EASE,
 * assembling the recommendation service, and `recommendFromLikes` latency. Every step records wall
 * seconds and CPU seconds (user + system): on a shared machine the wall time depends on who else
 * is running, the CPU time much less.
 */
export interface ScalingSizeOptions {
  /** The ml-latest-layout folder to load. */
  dir: string;
  seed: number;
  /** Batches trained on a share of the ratings to estimate an epoch (when an epoch has more). */
  sampledBatches: number;
  /** A whole epoch is trained when the estimate says it takes at most this many seconds; else it is extrapolated. */
  neumfBudgetSeconds: number;
  requests: number;
  warmupRequests: number;
  picks: number;
  /** Picks are drawn from this many most-rated movies. */
  popularPool: number;
  progress: boolean;
}

export const SCALING_SIZE_DEFAULTS: Omit<ScalingSizeOptions, 'dir' | 'seed' | 'progress'> = {
  sampledBatches: 1_000,
  neumfBudgetSeconds: 300,
  requests: 200,
  warmupRequests: 10,
  picks: 5,
  popularPool: 100,
};

/**
 * Every signal is computed (content and genre switched on): the worst case of the request path.
 * The weights do not change the cost, only which signals run.
 */
export const ALL_SIGNALS_BLEND: BlendWeights = {
  buckets: [{ upTo: Number.MAX_SAFE_INTEGER, weights: { popularity: 4, content: 0.1, foldIn: 2, itemItem: 1, genre: 0.1 } }],
  tunedOn: 'scaling bench: fixed weights with every signal on (latency worst case), not tuned',
};

export interface Timed {
  seconds: number;
  cpuSeconds: number;
  /** Peak RSS of the process after the step, MB. */
  peakRssMB: number;
}

export interface NeumfEpochMeasurement extends Timed {
  /** `seconds` / `cpuSeconds` are per epoch: measured, or scaled from `measuredBatches`. */
  mode: 'full epoch' | 'extrapolated';
  /** Training rows one full epoch draws (positives × (1 + negatives)). */
  epochRows: number;
  epochBatches: number;
  /** What was actually trained for the figure. */
  measuredRows: number;
  measuredBatches: number;
  measuredSeconds: number;
  msPerBatch: number;
  cpuMsPerBatch: number;
  backend: string;
  /** Which NeuMF trainer ran (`sparse ×2`: the sparse trainer on 2 threads; `tfjs`). */
  trainer: string;
  /** Training rows per wall second over the epoch (epochRows / seconds). */
  samplesPerSecond: number;
  loss: number;
  /** When both ran: the sampled estimate against the full epoch (wall and CPU ratios). */
  extrapolationCheck: { measuredBatches: number; seconds: number; cpuSeconds: number; ratio: number; cpuRatio: number } | null;
  config: { factors: number; layers: number[]; batchSize: number; negatives: number };
}

export interface ScalingSizeResult {
  ratings: number;
  users: number;
  movies: number;
  load: Timed;
  sampling: Timed & { rows: number; positives: number; negativesPerPositive: number };
  neumf: NeumfEpochMeasurement;
  /** Item-item: the EASE head (`items`) and how many movies got neighbour lists. */
  ease: Timed & { items: number; maxItems: number; covered: number; neighbours: number };
  service: Timed & { embedSeconds: number; assembleSeconds: number; embedder: string };
  recommend: {
    /** Two-stage (the service default) or full-catalogue ranking (REELREC_SCALING_RANKING=full). */
    ranking: RankingMode;
    requests: number;
    picks: number;
    pool: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    meanMs: number;
    /** The same percentiles over each request's own CPU time. */
    cpuP50Ms: number;
    cpuP99Ms: number;
  };
  peakRssMB: number;
  /** 1-minute load average at the start and the end (on 2 cores, above ~2 means something else was running). */
  loadAverage: { start: number; end: number };
  seconds: number;
}

function stopwatch(): () => Timed {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peakRssMB: peakRssMB() };
  };
}

export async function measureScalingSize(options: ScalingSizeOptions): Promise<ScalingSizeResult> {
  const total = stopwatch();
  const loadStart = loadavg()[0] ?? 0;

  let watch = stopwatch();
  const data = await loadMovieLens(options.dir, { progress: options.progress });
  const ratings = data.ratings;
  const load = watch();

  const config = neumfConfig({ epochs: 1, seed: options.seed });
  const sampling = measureSampling(ratings, config.negatives, options.seed);

  const { model, neumf } = await measureEpoch(ratings, sampling.rows, options);

  watch = stopwatch();
  const itemItem = fitSparseItemItem(ratings);
  const ease = {
    ...watch(),
    items: itemItem.info.head,
    maxItems: SPARSE_ITEM_ITEM_DEFAULTS.head,
    covered: itemItem.info.covered,
    neighbours: itemItem.targets.length,
  };

  watch = stopwatch();
  const embedded = await embedCatalogue(data.catalogue, new HashingEmbedder(), { progress: options.progress });
  const movies = { vectors: embedded.vectors, dim: embedded.dim };
  const embedSeconds = watch().seconds;
  const ranking = rankingFromEnv();
  const assembleWatch = stopwatch();
  const parts = assembleParts(data.catalogue, ratings, model, movies, { itemItem });
  const embedder = `${embedded.info.id} ${embedded.info.model}`;
  const service = createRecommendationService({
    dataset: data.name,
    catalogue: data.catalogue,
    ratings,
    parts,
    blend: ALL_SIGNALS_BLEND,
    neumf: model,
    // Not measured here (the bench times answers from likes); every signal on, as for the blend.
    knownUser: { neumf: 1, itemItem: 1, popularity: 1 },
    embedder,
    backend: model.manifest.backend,
    ranking,
  });
  const serviceStep = { ...watch(), embedSeconds, assembleSeconds: assembleWatch().seconds, embedder };

  const pool = popularMovies(ratings, options.popularPool);
  const requests = distinctPickSets(pool, options.picks, options.warmupRequests + options.requests, options.seed);
  const progress = startProgress('recommendFromLikes', requests.length, 'requests', options.progress);
  const latencies: number[] = [];
  const cpuTimes: number[] = [];
  try {
    for (const [n, liked] of requests.entries()) {
      const cpu = process.cpuUsage();
      const begun = performance.now();
      const answer = await service.recommendFromLikes({ liked, k: 10 });
      const ms = performance.now() - begun;
      const used = process.cpuUsage(cpu);
      if (answer.items.length === 0) throw new Error(`recommendFromLikes returned nothing for ${liked.join(',')}`);
      if (n >= options.warmupRequests) {
        latencies.push(ms);
        cpuTimes.push((used.user + used.system) / 1000);
      }
      progress.increment();
    }
  } finally {
    progress.stop();
  }
  latencies.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const pct = (p: number, sorted = latencies) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  const recommend = {
    ranking,
    requests: latencies.length,
    picks: options.picks,
    pool: pool.length,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: latencies[latencies.length - 1] ?? 0,
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    cpuP50Ms: pct(0.5, cpuTimes),
    cpuP99Ms: pct(0.99, cpuTimes),
  };
  model.dispose();

  return {
    ratings: ratings.length,
    users: ratings.userIds.length,
    movies: data.catalogue.movies.length,
    load,
    sampling,
    neumf,
    ease,
    service: serviceStep,
    recommend,
    peakRssMB: peakRssMB(),
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    seconds: total().seconds,
  };
}

/** Hard sampling with NeuMF's own negatives ratio, so `rows` is exactly what one training epoch draws. */
function measureSampling(ratings: RatingsTable, negatives: number, seed: number): ScalingSizeResult['sampling'] {
  const watch = stopwatch();
  // Only counts leave this function, so the sampled rows can be collected before training.
  const sampled = new HardSampler(ratings, { negativesPerPositive: negatives }).sample(seed);
  return { ...watch(), rows: sampled.length, positives: sampled.summary.positives, negativesPerPositive: negatives };
}

interface Trained {
  model: NeuMF;
  /** Wall and CPU seconds of the one epoch (CPU apportioned from the whole fit by wall time). */
  epochSeconds: number;
  epochCpuSeconds: number;
  rows: number;
  batches: number;
  loss: number;
}

/**
 * Seconds per NeuMF epoch. Small epochs are trained whole. Larger ones are first estimated from
 * `sampledBatches` batches; a whole epoch follows when the estimate fits `neumfBudgetSeconds`
 * (and the estimate is kept as a check of the extrapolation), else the estimate is the figure.
 */
async function measureEpoch(
  ratings: RatingsTable,
  epochRows: number,
  options: ScalingSizeOptions,
): Promise<{ model: NeuMF; neumf: NeumfEpochMeasurement }> {
  const config = neumfConfig({ epochs: 1, seed: options.seed });
  const epochBatches = Math.ceil(epochRows / config.batchSize);
  const shape = { factors: config.factors, layers: config.layers, batchSize: config.batchSize, negatives: config.negatives };
  const figure = (t: Trained, mode: NeumfEpochMeasurement['mode'], scale: number) => ({
    mode,
    seconds: t.epochSeconds * scale,
    cpuSeconds: t.epochCpuSeconds * scale,
    peakRssMB: peakRssMB(),
    epochRows,
    epochBatches,
    measuredRows: t.rows,
    measuredBatches: t.batches,
    measuredSeconds: t.epochSeconds,
    msPerBatch: (1000 * t.epochSeconds) / t.batches,
    cpuMsPerBatch: (1000 * t.epochCpuSeconds) / t.batches,
    backend: t.model.manifest.backend,
    trainer: trainerLabel(t.model),
    samplesPerSecond: t.rows / t.epochSeconds,
    loss: t.loss,
    config: shape,
  });
  const estimate = async (batches: number) => {
    const share = Math.min(1, (batches * config.batchSize) / epochRows);
    const part = await trainOnce(
      sampleRows(ratings, share, options.seed),
      options.seed,
      options.progress,
      `NeuMF, ${(100 * share).toFixed(1)} % of an epoch`,
    );
    return { part, figure: figure(part, 'extrapolated', epochRows / part.rows) };
  };
  const checked = (full: Trained, check: Awaited<ReturnType<typeof estimate>> | null): NeumfEpochMeasurement => ({
    ...figure(full, 'full epoch', 1),
    extrapolationCheck: check && {
      measuredBatches: check.part.batches,
      seconds: check.figure.seconds,
      cpuSeconds: check.figure.cpuSeconds,
      ratio: check.figure.seconds / full.epochSeconds,
      cpuRatio: check.figure.cpuSeconds / full.epochCpuSeconds,
    },
  });
  if (epochBatches <= options.sampledBatches) {
    const full = await trainOnce(ratings, options.seed, options.progress, 'NeuMF, one epoch');
    // A small epoch is cheap to estimate too: a check of the extrapolation the large sizes rely on.
    const checkBatches = Math.floor(options.sampledBatches / 4);
    const check = epochBatches >= 2 * checkBatches && checkBatches > 0 ? await estimate(checkBatches) : null;
    check?.part.model.dispose();
    return { model: full.model, neumf: checked(full, check) };
  }
  const sampled = await estimate(options.sampledBatches);
  if (sampled.figure.seconds > options.neumfBudgetSeconds) {
    return { model: sampled.part.model, neumf: { ...sampled.figure, extrapolationCheck: null } };
  }
  sampled.part.model.dispose();
  const full = await trainOnce(ratings, options.seed, options.progress, 'NeuMF, one epoch');
  return { model: full.model, neumf: checked(full, sampled) };
}

function trainerLabel(model: NeuMF): string {
  const trainer = model.manifest.trainer;
  return trainer ? `${trainer.name}${trainer.name === 'sparse' ? ` ×${trainer.threads}` : ''}` : 'tfjs';
}

/** `new NeuMF({ epochs: 1, seed })` — the default configuration otherwise — fitted on `ratings`. */
async function trainOnce(ratings: RatingsTable, seed: number, progress: boolean, label: string): Promise<Trained> {
  // epochRows 0: the whole epoch. The build caps an epoch at 20 M rows, which at 5 M ratings would
  // time half an epoch and report it as one (it did at f558f66: s / epoch k 0.69 from 1 M to 5 M).
  const model = new NeuMF(
    { epochs: 1, seed, epochRows: 0 },
    { datasetName: 'taste-synthetic', progress: startProgress(label, 1, 'batches', progress) },
  );
  const watch = stopwatch();
  await model.fit(ratings);
  const fit = watch();
  const epoch = model.training?.history[0];
  if (!epoch) throw new Error('NeuMF trained no epoch');
  return {
    model,
    epochSeconds: epoch.seconds,
    epochCpuSeconds: fit.cpuSeconds * Math.min(1, epoch.seconds / fit.seconds),
    rows: epoch.samples,
    batches: Math.ceil(epoch.samples / model.config.batchSize),
    loss: epoch.loss,
  };
}

/**
 * A random share of the ratings. The table keeps every user and movie, so a model fitted on it
 * has the full shape and each batch costs what it costs in a full epoch (the tfjs trainer applies
 * dense Adam updates to the whole embedding tables; the sparse trainer's batch cost does not
 * depend on them); scaling by full rows / trained rows gives the epoch.
 */
function sampleRows(ratings: RatingsTable, share: number, seed: number): RatingsTable {
  const rng = createRng(seed + 101);
  const rows: number[] = [];
  for (let r = 0; r < ratings.length; r++) if (rng.next() < share) rows.push(r);
  return selectRows(ratings, Uint32Array.from(rows));
}

/** The `n` most-rated movies, as dataset ids. */
function popularMovies(ratings: RatingsTable, n: number): number[] {
  const counts = ratingCounts(ratings);
  const order = Array.from({ length: counts.length }, (_, j) => j).sort((a, b) => (counts[b] as number) - (counts[a] as number) || a - b);
  return order.slice(0, n).map((j) => ratings.itemIds[j] as number);
}

/** `count` sets of `picks` distinct movies from `pool`, no two sets alike, so the answer cache never hits. */
function distinctPickSets(pool: number[], picks: number, count: number, seed: number): number[][] {
  const rng = createRng(seed + 202);
  const seen = new Set<string>();
  const sets: number[][] = [];
  for (let tries = 0; sets.length < count && tries < count * 100; tries++) {
    const set = new Set<number>();
    while (set.size < Math.min(picks, pool.length)) set.add(pool[rng.int(pool.length)] as number);
    const liked = [...set];
    const key = [...liked].sort((a, b) => a - b).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(liked);
  }
  return sets;
}

function rankingFromEnv(): RankingMode {
  const raw = process.env.REELREC_SCALING_RANKING ?? 'two-stage';
  if (raw !== 'two-stage' && raw !== 'full') throw new Error(`REELREC_SCALING_RANKING: expected two-stage or full, got ${raw}`);
  return raw;
}
