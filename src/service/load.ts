import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { ReelrecError } from '../errors.js';
import { lancedbUri, modelDir, movielensBase, serviceDir, storageOptions } from '../paths.js';
import { findTextFile, loadMovieLens, locateDataset } from '../recsys/data/index.js';
import { NeuMF } from '../recsys/ncf/neumf.js';
import { loadCatalogueVectors, openBuiltStore, type Store } from '../store/index.js';
import { loadServiceArtifact } from './artifact.js';
import { serviceFromPieces } from './parts.js';
import type { RecommendationService } from './types.js';

export interface LoadedService {
  service: RecommendationService;
  /** The built store, open for the fronts' likes (and the bot's message map). */
  store: Store;
  /** Seconds per loading step, for the start-up log. */
  timings: Record<string, number>;
  /** Which ranking mode is active (inline, or how many worker threads), for the start-up log. */
  ranking: string;
  close(): Promise<void>;
}

/**
 * Loads what `reelrec build` made for the configured dataset — ratings, movie vectors from
 * LanceDB, the genre-fine-tuned NeuMF, the service artefact — and assembles the service.
 * Nothing is trained here; a missing piece is a ReelrecError saying to run the build. Fresh answers
 * are ranked by REELREC_RANK_WORKERS worker threads (one per core by default); `close()` stops them.
 */
export async function loadService(config: Config, options: { rankWorkerUrl?: URL } = {}): Promise<LoadedService> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = (performance.now() - started) / 1000;
    }
  };
  const dir = await locateDataset(movielensBase(config), config.dataset);
  const textFile = config.textFile ?? findTextFile(dir) ?? undefined;
  const data = await timed('movielens', () => loadMovieLens(dir, { progress: false, ...(textFile ? { textFile } : {}) }));
  const store = await timed('store', () => openBuiltStore(lancedbUri(config), storageOptions(config)));
  try {
    const { vectors, dim, missing } = await timed('vectors', () => loadCatalogueVectors(store, data.catalogue));
    if (missing === data.catalogue.movies.length) {
      throw new ReelrecError('service_not_built', `${lancedbUri(config)} holds no movie of ${data.name}; run \`reelrec build\``);
    }
    const neumf = await timed('neumf', () => NeuMF.load(modelDir(config, data.name, 'genre'), data.ratings));
    const artifact = await timed('artifact', () => loadServiceArtifact(serviceDir(config, data.name), data.ratings));
    const started = performance.now();
    const { service, ranking } = await serviceFromPieces(
      { data, neumf, movies: { vectors, dim }, artifact, embedder: `${store.embedder.id} ${store.embedder.model}` },
      { workers: config.rankWorkers ?? availableParallelism(), ...(options.rankWorkerUrl ? { workerUrl: options.rankWorkerUrl } : {}) },
    );
    timings.assemble = (performance.now() - started) / 1000;
    return {
      service,
      store,
      timings,
      ranking: ranking.description,
      close: async () => {
        await ranking.close();
        neumf.dispose();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
