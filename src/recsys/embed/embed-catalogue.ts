import { startProgress } from '../../progress.js';
import type { Catalogue } from '../data/types.js';
import type { Embedder, EmbedderInfo } from './embedder.js';
import { movieText } from './movie-text.js';

/** One vector per catalogue movie, row j = catalogue.movies[j], and who made them. */
export interface CatalogueEmbeddings {
  vectors: Float32Array;
  dim: number;
  info: EmbedderInfo;
  seconds: number;
}

/** Embeds every movie's text (title, year, genres, overview, tags) in batches, with progress. */
export async function embedCatalogue(
  catalogue: Catalogue,
  embedder: Embedder,
  options: { batchSize?: number; progress?: boolean } = {},
): Promise<CatalogueEmbeddings> {
  const batchSize = options.batchSize ?? 64;
  const { dimension: dim } = embedder.info;
  const n = catalogue.movies.length;
  const vectors = new Float32Array(n * dim);
  const progress = startProgress(`embedding movies (${embedder.info.id})`, n, 'movies', options.progress ?? true);
  const started = performance.now();
  try {
    for (let start = 0; start < n; start += batchSize) {
      const batch = catalogue.movies.slice(start, start + batchSize);
      const embedded = await embedder.embed(batch.map(movieText));
      embedded.forEach((v, i) => {
        vectors.set(v, (start + i) * dim);
      });
      progress.increment(batch.length);
    }
  } finally {
    progress.stop();
  }
  return { vectors, dim, info: embedder.info, seconds: (performance.now() - started) / 1000 };
}
