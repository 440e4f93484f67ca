import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { num, type RawRow, str, vector } from './rows.js';
import { checkText, lastByKey } from './sql.js';
import { toVector, type VectorInput } from './vector.js';

export interface GenreInput {
  name: string;
  /** How many movies carry the genre; lets callers skip genres too small to recommend from. */
  movieCount: number;
  /** Usually the mean of the genre's movie vectors. */
  vector: VectorInput;
}

export interface GenreRecord {
  name: string;
  movieCount: number;
  vector: Float32Array;
}

export async function upsertGenres(store: Store, rows: readonly GenreInput[]): Promise<void> {
  const records = lastByKey(rows, (r) => r.name).map((g) => {
    checkText(g.name, 'genre name');
    if (!Number.isInteger(g.movieCount) || g.movieCount < 0) {
      throw new StoreInputError(`genre ${g.name}: movieCount must be a non-negative integer, got ${g.movieCount}`);
    }
    return { name: g.name, movie_count: g.movieCount, vector: toVector(g.vector, store.dimension, `genre ${g.name}`) };
  });
  if (records.length === 0) return;
  await guard('upsertGenres', () =>
    store.writeGate.write(() => store.tables.genres.mergeInsert('name').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(records)),
  );
}

/** All genres, sorted by name (the table is tiny: ~20 rows). */
export async function listGenres(store: Store): Promise<GenreRecord[]> {
  const rows: RawRow[] = await guard('listGenres', () => store.tables.genres.query().select(['name', 'movie_count', 'vector']).toArray());
  return rows
    .map((r) => ({ name: str(r, 'name'), movieCount: num(r, 'movie_count'), vector: vector(r) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
