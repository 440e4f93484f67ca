import type { Catalogue } from '../recsys/data/types.js';
import type { Store } from './connect.js';
import { StoreInputError } from './errors.js';
import { getMovies, upsertMovies } from './movies.js';

/** Writes every catalogue movie with its embedding row (row j = catalogue.movies[j]). */
export async function saveCatalogue(store: Store, catalogue: Catalogue, vectors: Float32Array): Promise<void> {
  const dim = store.dimension;
  if (vectors.length !== catalogue.movies.length * dim) {
    throw new StoreInputError(`expected ${catalogue.movies.length} × ${dim} vector values, got ${vectors.length}`);
  }
  await upsertMovies(
    store,
    catalogue.movies.map((m, j) => ({
      id: m.id,
      title: m.title,
      year: m.year,
      genres: m.genres,
      overview: m.overview ?? null,
      posterPath: m.posterPath ?? null,
      vector: vectors.subarray(j * dim, (j + 1) * dim),
    })),
  );
}

/**
 * Reads the movie vectors back aligned to the catalogue (row j = catalogue.movies[j]); movies the
 * store does not hold stay zero rows and are counted, so callers can refuse a stale store.
 */
export async function loadCatalogueVectors(
  store: Store,
  catalogue: Catalogue,
): Promise<{ vectors: Float32Array; dim: number; missing: number }> {
  const dim = store.dimension;
  const vectors = new Float32Array(catalogue.movies.length * dim);
  const row = new Map(catalogue.movies.map((m, j) => [m.id, j]));
  const records = await getMovies(
    store,
    catalogue.movies.map((m) => m.id),
  );
  for (const record of records) {
    const j = row.get(record.id);
    if (j !== undefined) vectors.set(record.vector, j * dim);
  }
  return { vectors, dim, missing: catalogue.movies.length - records.length };
}
