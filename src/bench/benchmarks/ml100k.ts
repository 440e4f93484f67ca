import { startProgress } from '../../progress.js';
import { MostPopular } from '../../recsys/baselines/most-popular.js';
import { findTextFile, loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import type { RatingsTable } from '../../recsys/data/types.js';
import {
  type EvaluationResult,
  evaluateRecommender,
  evaluateSampledLeaveOneOut,
  evaluateVariants,
  leaveOneOutSplit,
  type Split,
  stratifiedSplit,
} from '../../recsys/eval/index.js';
import { neumfConfig } from '../../recsys/ncf/config.js';
import type { FineTuneOptions } from '../../recsys/ncf/fine-tune.js';
import { NeuMF } from '../../recsys/ncf/neumf.js';
import { KNOWN_USER_VALIDATION_SHARE, knownUserParts } from '../../service/tune-known-user.js';
import { peakRssMB } from '../machine.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';
import { type GenreContext, genreContext } from './genre-context.js';
import { itemItemRecommender, knownUserRecommender, tuneKnownUserOnTrain } from './known-user-rows.js';
import { fitAndEvaluate, K, METRICS, mean, metricsRow, PUBLISHED_ML100K, publishedRow, SPLIT, sd, spreadRows } from './protocol.js';

const NEUMF_SEEDS = [42, 43, 44];

/** The default, the seed's plain way, and a control that isolates what the genre rows add. */
const FINE_TUNE_VARIANTS: Array<{ name: string; options: FineTuneOptions; genreRows?: false }> = [
  { name: 'default: 1 epoch at lr 0.0001, a full epoch of original data mixed in', options: {} },
  { name: 'plain: 3 epochs at lr 0.001 on genre rows only', options: { epochs: 3, learningRate: 0.001, mixOriginal: 0 } },
  { name: 'genre rows only, 1 epoch at lr 0.0001', options: { mixOriginal: 0 } },
  { name: 'half an epoch of original data mixed in', options: { mixOriginal: 0.5 } },
  { name: 'control: the same extra epoch of original data, no genre rows', options: {}, genreRows: false },
];
/**
 * Issue 12: a third of the tfjs trainer's time per fit (68.7 s on wasm, seeds 42/43/44, when the
 * machine was quiet), at no loss of NDCG@10 (its 3-seed mean 0.437). Checked against a tfjs fit
 * timed in the same run, because the shared machine's speed varies twofold from day to day.
 */
const TRAIN_SHARE_OF_TFJS_TARGET = 1 / 3;
/**
 * The tfjs fit the bar was set against: the defaults of the day (8 epochs at a constant rate), kept
 * fixed so a later default with more epochs pays for them in this ratio.
 */
const TFJS_YARDSTICK = { trainer: 'tfjs', epochs: 8, learningRateSchedule: 'constant' } as const;
const NEUMF_NDCG_FLOOR = 0.437;
const KNOWN_USER_TARGET = 0.5;
const TOP10_ALL_USERS_SECONDS_TARGET = 2;

export const ml100kBenchmark: Benchmark = {
  name: 'ml100k',
  description: `known users on MovieLens (ml-100k unless --dataset): per-user stratified 75/25 split, seen items removed, k = ${K}`,
  onDataset: true,
  async run({ dataDir, dataset, seed }) {
    const dir = await locateDataset(dataDir, dataset, { strict: true });
    const loadStarted = performance.now();
    const textFile = findTextFile(dir);
    const data = await loadMovieLens(dir, { progress: true, ...(textFile ? { textFile } : {}) });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const split = stratifiedSplit(data.ratings, { ...SPLIT, seed });
    const genre = await genreContext(data, split, seed);

    const mostPopular = new MostPopular();
    const popular = await fitAndEvaluate(mostPopular, split);
    const popularGenreNdcg = await genre.genreNdcg(mostPopular);
    const rows: BenchRow[] = popular.results.map((r, v) =>
      metricsRow('most-popular', r, { ...(v === 0 ? { [GENRE_NDCG]: popularGenreNdcg } : {}), fitSeconds: popular.fitSeconds }),
    );
    // Item-item alone, and the known-user ranker's weights, tuned inside the train half.
    const itemItemParts = knownUserParts(split.train);
    const itemItem = await fitAndEvaluate(itemItemRecommender(itemItemParts), split);
    rows.push(...itemItem.results.map((r) => metricsRow(ITEM_ITEM_ROW, r, { fitSeconds: itemItem.fitSeconds })));
    const knownUserTuning = await tuneKnownUserOnTrain(split.train, seed, data.name);
    const perSeedRanker: Array<Record<string, number>> = [];
    const perSeedRankerStrict: Array<Record<string, number>> = [];

    const perSeedGenre: Array<Record<string, number>> = [];
    const perSeedGenreStrict: Array<Record<string, number>> = [];
    let fineTuneVariants: BenchRow[] = [];

    const perSeed: Array<Record<string, number>> = [];
    const perSeedStrict: Array<Record<string, number>> = [];
    const seedRows: BenchRow[] = [];
    let backend = '';
    let trainer = '';
    for (const modelSeed of NEUMF_SEEDS) {
      const model = new NeuMF(
        { seed: modelSeed },
        { datasetName: data.name, progress: startProgress(`NeuMF seed ${modelSeed}`, neumfConfig().epochs, 'batches') },
      );
      const { results, fitSeconds } = await fitAndEvaluate(model, split);
      const top10Started = performance.now();
      await model.recommendAll(K);
      const top10AllUsersSeconds = (performance.now() - top10Started) / 1000;
      backend = model.manifest.backend;
      trainer = `${model.manifest.trainer?.name ?? 'tfjs'} ×${model.manifest.trainer?.threads ?? 1}`;
      const [all, strict] = results as [NonNullable<(typeof results)[0]>, NonNullable<(typeof results)[1]>];
      const figures = {
        ...figuresOf(all),
        [GENRE_NDCG]: await genre.genreNdcg(model),
        trainSeconds: fitSeconds,
        top10AllUsersSeconds,
      };
      perSeed.push(figures);
      perSeedStrict.push(figuresOf(strict));
      seedRows.push({ model: `neumf seed ${modelSeed}`, ...figures, bestEpoch: model.manifest.training.bestEpoch });
      const ranker = await fitAndEvaluate(knownUserRecommender(itemItemParts, model, knownUserTuning.weights), split);
      const [rankerAll, rankerStrict] = ranker.results as [EvaluationResult, EvaluationResult];
      perSeedRanker.push(figuresOf(rankerAll));
      perSeedRankerStrict.push(figuresOf(rankerStrict));
      seedRows.push({ model: `${RANKER_ROW} seed ${modelSeed}`, ...figuresOf(rankerAll) });

      const tuned = model.clone();
      const record = await tuned.fineTune(genre.dataset);
      const [tunedAll, tunedStrict] = (await evaluateVariants(tuned, split, { k: K })) as [EvaluationResult, EvaluationResult];
      const tunedFigures = { ...figuresOf(tunedAll), [GENRE_NDCG]: await genre.genreNdcg(tuned), fineTuneSeconds: record.seconds };
      perSeedGenre.push(tunedFigures);
      perSeedGenreStrict.push(figuresOf(tunedStrict));
      seedRows.push({ model: `neumf+genre seed ${modelSeed}`, ...tunedFigures });
      tuned.dispose();
      if (modelSeed === NEUMF_SEEDS[0]) fineTuneVariants = await fineTuneVariantRows(model, split, genre);
      model.dispose();
    }
    const avg = (runs: Array<Record<string, number>>, key: string) => mean(runs.map((r) => r[key] as number));
    const onMl100k = data.name === 'ml-100k';
    const tfjsFit = onMl100k ? await timeTfjsFit(split, data.name) : undefined;
    if (tfjsFit) rows.push(tfjsFit.row);
    const timing = {
      trainSeconds: avg(perSeed, 'trainSeconds'),
      ...(tfjsFit ? { [TRAIN_SHARE_OF_TFJS]: avg(perSeed, 'trainSeconds') / tfjsFit.seconds } : {}),
      top10AllUsersSeconds: avg(perSeed, 'top10AllUsersSeconds'),
      backend,
      trainer,
      seeds: NEUMF_SEEDS.join('/'),
      peakRssMB: peakRssMB(),
    };
    const means = (runs: Array<Record<string, number>>, keys: readonly string[]) => Object.fromEntries(keys.map((m) => [m, avg(runs, m)]));
    rows.push({ model: 'neumf', relevant: 'every held-out', ...means(perSeed, [...METRICS, GENRE_NDCG]), ...timing });
    rows.push({ model: 'neumf', relevant: 'rating ≥ 4', ...means(perSeedStrict, METRICS) });
    rows.push({
      model: RANKER_ROW,
      relevant: 'every held-out',
      ...means(perSeedRanker, METRICS),
      weights: knownUserTuning.weights,
      'validation ndcg@10': knownUserTuning.ndcg,
      'validation ndcg@10 neumf alone': knownUserTuning.neumfOnlyNdcg,
      validationUsers: knownUserTuning.users,
      seeds: NEUMF_SEEDS.join('/'),
    });
    rows.push({ model: RANKER_ROW, relevant: 'rating ≥ 4', ...means(perSeedRankerStrict, METRICS) });
    rows.push({
      model: 'neumf+genre',
      relevant: 'every held-out',
      ...means(perSeedGenre, [...METRICS, GENRE_NDCG]),
      fineTuneSeconds: avg(perSeedGenre, 'fineTuneSeconds'),
      seeds: NEUMF_SEEDS.join('/'),
    });
    rows.push({ model: 'neumf+genre', relevant: 'rating ≥ 4', ...means(perSeedGenreStrict, METRICS) });

    const loo = await leaveOneOutRows(data.ratings, seed, data.name);
    const bars = [...(onMl100k ? ml100kBars() : popularBars(rows)), rankerBar(rows)];
    return {
      dataset: `${data.name} (${data.ratings.length} ratings, ${data.ratings.userIds.length} users, ${data.catalogue.movies.length} movies)`,
      rows,
      ...(onMl100k ? { reference: PUBLISHED_ML100K } : {}),
      bars,
      ...(onMl100k ? { targets: ml100kTargets() } : {}),
      tables: [
        {
          title: `NeuMF per seed (mean ± sd: ${METRICS.map((m) => `${m} ${avg(perSeed, m).toFixed(4)} ± ${sd(perSeed.map((r) => r[m] as number)).toFixed(4)}`).join(', ')})`,
          rows: seedRows,
        },
        { title: 'Leave-one-out, latest rating vs 99 sampled unrated movies (NCF paper protocol)', rows: loo },
        {
          title: `Genre fine-tuning variants (model seed ${NEUMF_SEEDS[0]}; genre dataset ${genre.dataset.length} rows from the train half; movie vectors: ${genre.embedder})`,
          rows: fineTuneVariants,
        },
        {
          title: `Most-popular over split seeds ${seed}–${seed + 9} (our RNG is not numpy's: seed ${seed} is not Microsoft's split)`,
          rows: await popularSeedSpread(data.ratings, seed),
        },
      ],
      details: {
        protocol: { split: 'per-user stratified', ...SPLIT, k: K, seenRemoved: true },
        trainRatings: split.train.length,
        knownUserTuning: { ...knownUserTuning, validationShare: KNOWN_USER_VALIDATION_SHARE },
        testRatings: split.test.length,
        loadSeconds,
      },
    };
  },
};

const GENRE_NDCG = `genre_ndcg@${K}`;
const TRAIN_SHARE_OF_TFJS = 'trainSeconds / tfjs trainer';
const TFJS_ROW = 'neumf, tfjs trainer (same run)';

/** One fit of the same NeuMF by the tfjs trainer, timed only: the yardstick of the training-time bar. */
async function timeTfjsFit(split: Split, datasetName: string): Promise<{ seconds: number; row: BenchRow }> {
  const seed = NEUMF_SEEDS[0] as number;
  const model = new NeuMF(
    { seed, ...TFJS_YARDSTICK },
    { datasetName, progress: startProgress(`NeuMF seed ${seed}, tfjs trainer`, TFJS_YARDSTICK.epochs, 'batches') },
  );
  const started = performance.now();
  await model.fit(split.train);
  const seconds = (performance.now() - started) / 1000;
  const row = { model: TFJS_ROW, trainSeconds: seconds, backend: model.manifest.backend, seeds: String(seed) };
  model.dispose();
  return { seconds, row };
}
const ITEM_ITEM_ROW = 'item-item (EASE)';
/** What GET /api/users/{id}/recommendations answers with. */
const RANKER_ROW = 'known-user ranker';

/** ml-100k has published rows to reproduce and beat, and NeuMF's training and top-10 time targets. */
function ml100kBars(): BenchBar[] {
  const ncf = publishedRow('NCF (MS Recommenders)');
  const anchor = publishedRow('most-popular (MS Recommenders)');
  return [
    ...METRICS.map((metric) => ({
      model: 'most-popular',
      metric,
      expected: anchor[metric] as number,
      tolerance: 0.02,
      why: 'must reproduce MS Recommenders within 0.02, or the harness is wrong',
    })),
    ...METRICS.map((metric) => ({
      model: 'neumf',
      metric,
      min: ncf[metric] as number,
      why: "must beat Microsoft Recommenders' NCF row",
    })),
    {
      model: 'neumf',
      metric: TRAIN_SHARE_OF_TFJS,
      max: TRAIN_SHARE_OF_TFJS_TARGET,
      why: `a third of the tfjs trainer's time per fit (issue 12; 68.7 s on a quiet day): the sparse trainer on 2 cores against "${TFJS_ROW}"`,
    },
    { model: 'neumf', metric: 'top10AllUsersSeconds', max: TOP10_ALL_USERS_SECONDS_TARGET, why: 'top 10 for all 943 users within 2 s' },
  ];
}

/**
 * Issue 12's targets on ml-100k that are not reached yet; printed and kept in the JSON beside the
 * bars (see BenchOutcome.targets) until they are met.
 */
function ml100kTargets(): BenchBar[] {
  return [
    {
      model: 'neumf',
      metric: 'ndcg@10',
      min: NEUMF_NDCG_FLOOR,
      why: 'the sparse trainer must not lose quality: NDCG@10 of the tfjs trainer (3-seed mean 0.437)',
    },
    { model: RANKER_ROW, metric: `ndcg@${K}`, min: KNOWN_USER_TARGET, why: 'a known-user ranker at NDCG@10 ≥ 0.50 (issue 12)' },
  ];
}

const ndcgOf = (rows: BenchRow[], model: string) => Number(rows.find((r) => r.model === model)?.[`ndcg@${K}`] ?? Number.NaN);

/** Elsewhere nothing is published on this protocol: what is shipped must at least beat most-popular. */
function popularBars(rows: BenchRow[]): BenchBar[] {
  const popular = ndcgOf(rows, 'most-popular');
  return ['neumf', RANKER_ROW].map((model) => ({
    model,
    metric: `ndcg@${K}`,
    min: popular,
    why: 'a shipped ranker must beat most-popular',
  }));
}

/**
 * The ranker replaced NeuMF alone as the known-user answer, so it must not fall below it; the
 * issue's 0.50 on ml-100k is an open target (ml100kTargets) until it is reached.
 */
function rankerBar(rows: BenchRow[]): BenchBar {
  return { model: RANKER_ROW, metric: `ndcg@${K}`, min: ndcgOf(rows, 'neumf'), why: 'the shipped known-user ranker beats NeuMF alone' };
}

function figuresOf(r: EvaluationResult): Record<string, number> {
  return { 'precision@10': r.precision, 'recall@10': r.recall, 'ndcg@10': r.ndcg, map: r.map };
}

/** Variants of the seed's genre fine-tuning on one trained model, each on its own clone. */
async function fineTuneVariantRows(model: NeuMF, split: Split, genre: GenreContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const [base] = (await evaluateVariants(model, split, { k: K, relevances: ['all'] })) as [EvaluationResult];
  rows.push({ model: 'no fine-tuning', ...figuresOf(base), [GENRE_NDCG]: await genre.genreNdcg(model) });
  const noRows = { length: 0, user: new Uint32Array(), item: new Uint32Array(), interaction: new Uint8Array() };
  for (const { name, options, genreRows } of FINE_TUNE_VARIANTS) {
    const tuned = model.clone();
    await tuned.fineTune(genreRows === false ? noRows : genre.dataset, options);
    const [r] = (await evaluateVariants(tuned, split, { k: K, relevances: ['all'] })) as [EvaluationResult];
    rows.push({ model: name, ...figuresOf(r), [GENRE_NDCG]: await genre.genreNdcg(tuned) });
    tuned.dispose();
  }
  return rows;
}

async function leaveOneOutRows(ratings: RatingsTable, seed: number, datasetName: string): Promise<BenchRow[]> {
  const split = leaveOneOutSplit(ratings);
  const rows: BenchRow[] = [];
  const popular = new MostPopular();
  await popular.fit(split.train);
  const models = [
    popular,
    new NeuMF({ seed }, { datasetName, progress: startProgress('NeuMF leave-one-out', neumfConfig().epochs, 'batches') }),
  ];
  for (const model of models) {
    if (model instanceof NeuMF) await model.fit(split.train);
    const r = await evaluateSampledLeaveOneOut(model, split, { negatives: 99, k: K, seed });
    rows.push({ model: model.name, users: r.users, [`hr@${K}`]: r.hitRate, [`ndcg@${K}`]: r.ndcg });
    if (model instanceof NeuMF) model.dispose();
  }
  return rows;
}

/**
 * Our RNG is not numpy's, so "seed 42" is a different split from Microsoft's; the spread over
 * ten split seeds shows how much of any gap to the anchor is split luck rather than a harness error.
 */
async function popularSeedSpread(ratings: RatingsTable, firstSeed: number): Promise<BenchRow[]> {
  const runs: Array<Record<string, number>> = [];
  for (let s = firstSeed; s < firstSeed + 10; s++) {
    const split = stratifiedSplit(ratings, { ...SPLIT, seed: s });
    const rec = new MostPopular();
    await rec.fit(split.train);
    const r = await evaluateRecommender(rec, split, { k: K });
    runs.push({ 'precision@10': r.precision, 'recall@10': r.recall, 'ndcg@10': r.ndcg, map: r.map });
  }
  return spreadRows('most-popular', runs, METRICS);
}
