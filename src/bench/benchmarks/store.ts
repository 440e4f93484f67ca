import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findTextFile, loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import { embedCatalogue, HashingEmbedder } from '../../recsys/embed/index.js';
import { createRng } from '../../recsys/random.js';
import { measureIndexRecall, openStore, saveCatalogue } from '../../store/index.js';
import type { Benchmark, BenchRow } from '../types.js';

const QUERIES = 200;
const K = 10;

/**
 * The content side's costs on ml-latest-small with its overviews: hashing-embedder throughput,
 * LanceDB insert time, and search latency flat vs HNSW_SQ with the index's measured recall@10.
 * (LaMini cannot be downloaded here, so only the hashing embedder is timed.)
 */
export const storeBenchmark: Benchmark = {
  name: 'store',
  description: `movie embeddings and LanceDB on ml-latest-small: throughput, insert, search latency and recall@${K}`,
  async run({ dataDir, seed }) {
    const dir = await locateDataset(dataDir, 'ml-latest-small', { strict: true });
    const textFile = findTextFile(dir);
    const data = await loadMovieLens(dir, { progress: true, ...(textFile ? { textFile } : {}) });
    const embedder = new HashingEmbedder();
    const embeddings = await embedCatalogue(data.catalogue, embedder);
    const n = data.catalogue.movies.length;
    const rows: BenchRow[] = [
      {
        model: `embed (${embeddings.info.model})`,
        movies: n,
        seconds: embeddings.seconds,
        moviesPerSecond: Math.round(n / embeddings.seconds),
      },
    ];
    const folder = await mkdtemp(path.join(tmpdir(), 'reelrec-bench-store-'));
    try {
      const store = await openStore({ uri: folder, dimension: embeddings.dim, embedder: embeddings.info });
      const insertStarted = performance.now();
      await saveCatalogue(store, data.catalogue, embeddings.vectors);
      const insertSeconds = (performance.now() - insertStarted) / 1000;
      rows.push({
        model: 'LanceDB insert (merge-insert)',
        movies: n,
        seconds: insertSeconds,
        moviesPerSecond: Math.round(n / insertSeconds),
      });
      const rng = createRng(seed);
      const queries = Array.from({ length: QUERIES }, () => {
        const j = rng.int(n);
        return embeddings.vectors.slice(j * embeddings.dim, (j + 1) * embeddings.dim);
      });
      const r = await measureIndexRecall(store, queries, K);
      if (r.skipped) {
        rows.push({ model: 'search', note: r.reason });
      } else {
        rows.push({ model: 'search, flat (exact)', queries: r.queries, medianMs: r.flatMedianMs, p99Ms: r.flatP99Ms, [`recall@${K}`]: 1 });
        rows.push({
          model: 'search, HNSW_SQ index',
          queries: r.queries,
          medianMs: r.indexedMedianMs,
          p99Ms: r.indexedP99Ms,
          [`recall@${K}`]: r.recallAtK,
          indexBuildMs: r.indexBuildMs,
        });
      }
      store.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    return { dataset: `${data.name} (${n} movies, ${data.text.withOverview} overviews from ${textFile ?? 'no text file'})`, rows };
  },
};
