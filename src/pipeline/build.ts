import path from 'node:path';
import type { Config } from '../config.js';
import { artifactsDir, itemVectorsUri, lancedbUri, modelCacheDir, modelDir, serviceDir, storageOptions } from '../paths.js';
import { writePosters } from '../posters/index.js';
import { startProgress } from '../progress.js';
import { loadMovieLens } from '../recsys/data/index.js';
import { createEmbedder, embedCatalogue } from '../recsys/embed/index.js';
import { neumfConfig } from '../recsys/ncf/config.js';
import { FINE_TUNE_DEFAULTS } from '../recsys/ncf/fine-tune.js';
import { NeuMF } from '../recsys/ncf/neumf.js';
import { buildGenreDataset, buildGenreProfiles, exportGenreDataset, GENRE_PROFILE_STAGES } from '../recsys/profiles/index.js';
import { HardSampler, writeSampledCsv } from '../recsys/sampling/index.js';
import { trainingCurveSvg } from '../report/index.js';
import {
  type AnnNeighbours,
  annNeighbours,
  buildServiceArtifact,
  collaborativeVectors,
  describeNeighbours,
  type ServiceArtifact,
  saveServiceArtifact,
} from '../service/index.js';
import { openStore, saveCatalogue, upsertGenres, upsertUsers } from '../store/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { genreSimilaritySvg } from './genre-charts.js';

export interface BuildOptions {
  /** The MovieLens folder to build from. */
  datasetDir: string;
  /** Movie text CSV (overview, poster_path) to join, when there is one. */
  textFile?: string;
  /** Drop and recreate the LanceDB tables (needed when the embedder changes; erases stored likes). */
  fresh?: boolean;
  log?: (line: string) => void;
}

/** What a build produced and how; written as build.json next to the artefacts. */
export interface BuildReport {
  dataset: string;
  ratings: number;
  users: number;
  movies: number;
  text: { file: string | null; withOverview: number; withPoster: number };
  sampling: { rows: number; positives: number; negatives: number };
  neumf: { dir: string; backend: string; epochs: number; bestEpoch: number; seconds: number };
  embedder: { id: string; model: string; dimension: number; seconds: number };
  store: { uri: string };
  profiles: { genres: number; usersWithEmbedding: number; usersWithoutEmbedding: number };
  genreDataset: { file: string; rows: number; positives: number; negatives: number };
  fineTuned: { dir: string; epochs: number; seconds: number };
  /** Where the item vectors are in LanceDB, and the measured recall@k of its ANN index against exact search. */
  neighbours: { uri: string; k: number; textRecall: number; collaborativeRecall: number; seconds: number };
  service: { dir: string; validationUsers: number; validationNdcg: Array<{ upTo: number; ndcg: number }>; seconds: number };
  files: string[];
  seconds: number;
}

const STEPS = 10;

/**
 * The whole offline pipeline: data → hard sampling → NeuMF → movie embeddings → LanceDB →
 * genre profiles → genre dataset → fine-tuned NeuMF → nearest-movie lists from LanceDB → the
 * recommendation service's artefact →
 * posters. Every artefact records who made it
 * (embedder, backend) and is written atomically.
 */
export async function runBuild(config: Config, options: BuildOptions): Promise<BuildReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const step = (n: number, what: string) => log(`reelrec build [${n}/${STEPS}] ${what}`);

  step(1, 'loading MovieLens');
  const data = await loadMovieLens(options.datasetDir, { progress: true, ...(options.textFile ? { textFile: options.textFile } : {}) });
  const out = artifactsDir(config, data.name);
  const files: string[] = [];

  step(2, 'hard sampling (4 negatives per positive, the seed’s dataset)');
  const sampled = new HardSampler(data.ratings, { negativesPerPositive: 4 }).sample(config.seed);
  const samplesFile = path.join(out, 'samples.csv');
  await writeSampledCsv(sampled, samplesFile);
  files.push(samplesFile);

  step(3, 'training NeuMF');
  const model = new NeuMF(
    { seed: config.seed },
    { datasetName: data.name, progress: startProgress('training NeuMF', neumfConfig().epochs, 'batches') },
  );
  await model.fit(data.ratings);
  const baseDir = modelDir(config, data.name, 'base');
  await model.save(baseDir);
  const trainingChart = path.join(out, 'training.svg');
  await writeFileAtomic(trainingChart, [await trainingCurveSvg(model.manifest.training.history, { title: `NeuMF on ${data.name}` })]);
  files.push(baseDir, trainingChart);

  step(4, 'embedding movie descriptions');
  const embedder = await createEmbedder({
    kind: config.embedder,
    model: config.laminiModel,
    cacheDir: modelCacheDir(config),
    offline: config.offline === 'on',
    log,
  });
  const embeddings = await embedCatalogue(data.catalogue, embedder);
  await embedder.dispose?.();

  step(5, 'writing movies to LanceDB');
  const uri = lancedbUri(config);
  const azure = storageOptions(config);
  const store = await openStore({
    uri,
    dimension: embeddings.dim,
    embedder: embeddings.info,
    overwrite: options.fresh ?? false,
    ...(azure ? { storageOptions: azure } : {}),
  });
  try {
    await saveCatalogue(store, data.catalogue, embeddings.vectors);

    step(6, 'genre profiles (user and genre vectors, similarities, median split)');
    const profileProgress = startProgress('genre profiles', GENRE_PROFILE_STAGES, 'stages');
    const run = buildGenreProfiles(data.catalogue, data.ratings, embeddings, profileProgress);
    profileProgress.stop();
    const { dim } = embeddings;
    await upsertGenres(
      store,
      run.space.names.map((name, g) => ({
        name,
        movieCount: run.genres.counts[g] as number,
        vector: run.genres.vectors.subarray(g * dim, (g + 1) * dim),
      })),
    );
    const users = [];
    for (let u = 0; u < run.users.nUsers; u++) {
      if (run.users.has[u] !== 1) continue;
      users.push({
        id: `movielens:${data.ratings.userIds[u]}`,
        source: 'movielens' as const,
        vector: run.users.vectors.subarray(u * dim, (u + 1) * dim),
      });
    }
    await upsertUsers(store, users);
    const G = run.space.nGenres;
    const heatmap = path.join(out, 'genre-similarity.svg');
    await writeFileAtomic(heatmap, [await genreSimilaritySvg(run, data.name)]);
    files.push(heatmap);

    step(7, 'genre dataset (1:3) and genre fine-tuning');
    const datasetProgress = startProgress('genre dataset', data.ratings.userIds.length, 'users');
    const genreData = buildGenreDataset(data.ratings, run.space, run.profiles, { seed: config.seed, progress: datasetProgress });
    datasetProgress.stop();
    const genreFile = path.join(out, 'genre-dataset.csv');
    await exportGenreDataset(genreData, data.catalogue, data.ratings, genreFile);
    const tuned = model.clone();
    const record = await tuned.fineTune(genreData, {
      progress: startProgress('fine-tuning on genres', FINE_TUNE_DEFAULTS.epochs, 'epochs'),
    });
    const genreDir = modelDir(config, data.name, 'genre');
    await tuned.save(genreDir);
    files.push(genreFile, genreDir);

    // The served model is the genre-tuned one, so its factors are the collaborative vectors.
    step(8, 'item neighbours: text and collaborative vectors into LanceDB, ANN index, recall against exact search');
    const neighboursUri = itemVectorsUri(config, data.name);
    let artifact: ServiceArtifact;
    let neighbours: AnnNeighbours;
    try {
      neighbours = await annNeighbours(neighboursUri, { vectors: embeddings.vectors, dim }, collaborativeVectors(tuned));
      log(describeNeighbours(neighbours));
      files.push(neighboursUri);

      step(9, 'recommendation service: blend weights tuned on validation users, item-item model (EASE), fold-in vectors');
      ({ artifact } = await buildServiceArtifact({
        name: data.name,
        catalogue: data.catalogue,
        ratings: data.ratings,
        movies: { vectors: embeddings.vectors, dim },
        neighbours,
        served: tuned,
        seed: config.seed,
        log,
      }));
    } finally {
      tuned.dispose();
    }
    const servicePath = serviceDir(config, data.name);
    await saveServiceArtifact(servicePath, artifact);
    files.push(servicePath);

    step(10, 'posters (a generated SVG per movie, for offline use and the bot)');
    const posters = await writePosters(data.catalogue.movies, path.join(out, 'posters'));
    files.push(posters.dir);

    const report: BuildReport = {
      dataset: data.name,
      ratings: data.ratings.length,
      users: data.ratings.userIds.length,
      movies: data.catalogue.movies.length,
      text: { file: data.text.file, withOverview: data.text.withOverview, withPoster: data.text.withPoster },
      sampling: { rows: sampled.length, positives: sampled.summary.positives, negatives: sampled.summary.negatives },
      neumf: {
        dir: baseDir,
        backend: model.manifest.backend,
        epochs: model.manifest.training.history.length,
        bestEpoch: model.manifest.training.bestEpoch,
        seconds: model.manifest.training.seconds,
      },
      embedder: { ...embeddings.info, seconds: embeddings.seconds },
      store: { uri },
      profiles: { genres: G, usersWithEmbedding: run.users.withEmbedding, usersWithoutEmbedding: run.users.withoutEmbedding },
      genreDataset: {
        file: genreFile,
        rows: genreData.length,
        positives: genreData.summary.positives,
        negatives: genreData.summary.negatives,
      },
      fineTuned: { dir: genreDir, epochs: record.epochs, seconds: record.seconds },
      neighbours: {
        uri: neighboursUri,
        k: neighbours.options.k,
        textRecall: neighbours.text.recallAtK,
        collaborativeRecall: neighbours.collaborative.recallAtK,
        seconds: neighbours.text.seconds + neighbours.collaborative.seconds,
      },
      service: {
        dir: servicePath,
        validationUsers: artifact.manifest.tuning.validationUsers,
        validationNdcg: artifact.manifest.tuning.validation.map(({ upTo, ndcg }) => ({ upTo, ndcg })),
        seconds: artifact.manifest.seconds,
      },
      files,
      seconds: (performance.now() - started) / 1000,
    };
    await writeFileAtomic(path.join(out, 'build.json'), [`${JSON.stringify(report, null, 2)}\n`]);
    return report;
  } finally {
    model.dispose();
    await store.close();
  }
}
