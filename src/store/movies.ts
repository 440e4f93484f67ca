import type { Movie } from '../recsys/data/types.js';
import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { num, numOrNull, type RawRow, str, strList, strOrNull, vector } from './rows.js';
import { and, checkMovieId, chunks, lastByKey, sqlIntList, sqlString } from './sql.js';
import { toVector, type VectorInput } from './vector.js';

/** A movie as written: the catalogue fields the recommender shows, plus its embedding. */
export type MovieInput = Pick<Movie, 'id' | 'title' | 'year' | 'genres'> & {
  overview?: string | null;
  posterPath?: string | null;
  vector: VectorInput;
};

export interface MovieRecord {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
  overview: string | null;
  posterPath: string | null;
  vector: Float32Array;
}

export type MovieHit = Omit<MovieRecord, 'vector'> & {
  /** 1 − cosine distance: 1 is the same direction, 0 orthogonal, −1 opposite. */
  score: number;
  distance: number;
};

export interface SearchMoviesOptions {
  /** How many hits to return; default 10. */
  k?: number;
  /** Only movies carrying this genre (exact name, e.g. `Children's`). */
  genre?: string;
  /** Movies to leave out, e.g. those the user already rated. */
  excludeIds?: readonly number[];
  /** The only metric the store is built for; accepted so callers can be explicit. */
  distance?: 'cosine';
}

const FIELDS = ['id', 'title', 'year', 'genres', 'overview', 'poster_path'];
/** Rows per mergeInsert call; keeps memory flat when writing a whole 87k-movie catalogue. */
const WRITE_BATCH = 5000;

function decode(row: RawRow): Omit<MovieRecord, 'vector'> {
  return {
    id: num(row, 'id'),
    title: str(row, 'title'),
    year: numOrNull(row, 'year'),
    genres: strList(row, 'genres'),
    overview: strOrNull(row, 'overview'),
    posterPath: strOrNull(row, 'poster_path'),
  };
}

/** Inserts new movies and replaces existing ones by id; running it twice leaves one row per id. */
export async function upsertMovies(store: Store, rows: readonly MovieInput[]): Promise<void> {
  const records = lastByKey(rows, (r) => r.id).map((m) => {
    checkMovieId(m.id);
    if (typeof m.title !== 'string') throw new StoreInputError(`movie ${m.id}: title must be a string`);
    if (m.year !== null && !Number.isInteger(m.year)) throw new StoreInputError(`movie ${m.id}: year must be an integer or null`);
    return {
      id: m.id,
      title: m.title,
      year: m.year,
      genres: [...m.genres],
      overview: m.overview ?? null,
      poster_path: m.posterPath ?? null,
      vector: toVector(m.vector, store.dimension, `movie ${m.id}`),
    };
  });
  await guard('upsertMovies', async () => {
    for (const batch of chunks(records, WRITE_BATCH)) {
      await store.writeGate.write(() =>
        store.tables.movies.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(batch),
      );
    }
  });
}

export async function getMovie(store: Store, id: number): Promise<MovieRecord | null> {
  const [movie] = await getMovies(store, [id]);
  return movie ?? null;
}

/** Movies in the order asked for; unknown ids are skipped, repeated ids returned once. */
export async function getMovies(store: Store, ids: readonly number[]): Promise<MovieRecord[]> {
  const unique = [...new Set(ids.map((id) => checkMovieId(id)))];
  const found = new Map<number, MovieRecord>();
  await guard('getMovies', async () => {
    for (const batch of chunks(unique)) {
      const rows: RawRow[] = await store.tables.movies
        .query()
        .where(`id IN ${sqlIntList(batch)}`)
        .select([...FIELDS, 'vector'])
        .toArray();
      for (const row of rows) found.set(num(row, 'id'), { ...decode(row), vector: vector(row) });
    }
  });
  return unique.flatMap((id) => found.get(id) ?? []);
}

export async function countMovies(store: Store): Promise<number> {
  return guard('countMovies', () => store.tables.movies.countRows());
}

/**
 * A genre filter that matches nothing because of a typo should say so, not return an empty page.
 * Checked against the `genres` table when a build has filled it.
 */
async function checkKnownGenre(store: Store, genre: string): Promise<void> {
  const genres = store.tables.genres;
  const [known, total] = await guard('searchMovies', () =>
    Promise.all([genres.countRows(`name = ${sqlString(genre)}`), genres.countRows()]),
  );
  if (known > 0 || total === 0) return;
  const names = await guard('searchMovies', () => genres.query().select(['name']).toArray());
  throw new StoreInputError(
    `unknown genre ${JSON.stringify(genre)}; known genres: ${names
      .map((r: RawRow) => str(r, 'name'))
      .sort()
      .join(', ')}`,
  );
}

/**
 * Nearest movies by cosine similarity, best first. Filters run before the vector search
 * (LanceDB's default prefilter), so a narrow genre still yields k hits when k exist.
 */
export async function searchMovies(store: Store, query: VectorInput, options: SearchMoviesOptions = {}): Promise<MovieHit[]> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k <= 0) throw new StoreInputError(`k must be a positive integer, got ${k}`);
  if (options.distance !== undefined && options.distance !== 'cosine') {
    throw new StoreInputError(`distance ${String(options.distance)} is not supported; the store is built for cosine`);
  }
  const vec = toVector(query, store.dimension, 'search query');
  if (options.genre !== undefined) await checkKnownGenre(store, options.genre);
  const exclude = options.excludeIds ?? [];
  const filter = and(
    options.genre === undefined ? null : `array_has(genres, ${sqlString(options.genre)})`,
    exclude.length === 0 ? null : `id NOT IN ${sqlIntList([...new Set(exclude)])}`,
  );
  const rows: RawRow[] = await guard('searchMovies', () => {
    const q = store.tables.movies
      .vectorSearch(vec)
      .distanceType('cosine')
      .select([...FIELDS, '_distance'])
      .limit(k);
    return (filter === null ? q : q.where(filter)).toArray();
  });
  return rows.map((row) => {
    const distance = num(row, '_distance');
    return { ...decode(row), score: 1 - distance, distance };
  });
}

/** Deletes movies by id (likes pointing at them are kept: they are the user's history). */
export async function deleteMovies(store: Store, ids: readonly number[]): Promise<void> {
  await guard('deleteMovies', async () => {
    for (const batch of chunks([...new Set(ids)]))
      await store.writeGate.write(() => store.tables.movies.delete(`id IN ${sqlIntList(batch)}`));
  });
}
