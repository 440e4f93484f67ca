import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countMovies,
  getMovie,
  getMovies,
  listGenres,
  type MovieInput,
  type Store,
  StoreInputError,
  StoreVectorError,
  searchMovies,
  upsertGenres,
  upsertMovies,
} from '../src/store/index.js';
import { createTempStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-store-movies-'));
});

afterEach(() => removeTempStore(dir, store));

const movies: MovieInput[] = [
  {
    id: 1,
    title: 'Toy Story (1995)',
    year: 1995,
    genres: ['Animation', "Children's", 'Comedy'],
    vector: [1, 0, 0, 0],
    posterPath: '/toy.jpg',
  },
  { id: 2, title: 'GoldenEye (1995)', year: 1995, genres: ['Action', 'Thriller'], vector: [0.9, 0.1, 0, 0], overview: 'Bond.' },
  { id: 3, title: 'Four Rooms (1995)', year: null, genres: ['Thriller'], vector: [0, 1, 0, 0] },
  { id: 4, title: 'Babe (1995)', year: 1995, genres: ["Children's", 'Drama'], vector: [0.7, 0.7, 0, 0] },
  { id: 5, title: 'Docudrama (2000)', year: 2000, genres: ['Docudrama'], vector: [0, 0, 1, 0] },
];

describe('movies', () => {
  it('upserts idempotently and replaces by id', async () => {
    await upsertMovies(store, movies);
    await upsertMovies(store, movies);
    expect(await countMovies(store)).toBe(movies.length);

    await upsertMovies(store, [{ ...movies[2], title: 'Four Rooms', year: 1995 } as MovieInput]);
    expect(await countMovies(store)).toBe(movies.length);
    expect(await getMovie(store, 3)).toMatchObject({ title: 'Four Rooms', year: 1995, overview: null, posterPath: null });
  });

  it('reads movies back with every field, in the order asked', async () => {
    await upsertMovies(store, movies);
    const toy = await getMovie(store, 1);
    expect(toy).toMatchObject({ id: 1, year: 1995, genres: ['Animation', "Children's", 'Comedy'], posterPath: '/toy.jpg', overview: null });
    expect(Array.from(toy?.vector ?? [])).toEqual([1, 0, 0, 0]);
    expect((await getMovie(store, 3))?.year).toBeNull();
    expect(await getMovie(store, 999)).toBeNull();
    expect((await getMovies(store, [4, 999, 2, 4])).map((m) => m.id)).toEqual([4, 2]);
  });

  it('searches by cosine, best first, with score = 1 − distance', async () => {
    await upsertMovies(store, movies);
    const hits = await searchMovies(store, [2, 0, 0, 0], { k: 3, distance: 'cosine' });
    expect(hits.map((h) => h.id)).toEqual([1, 2, 4]);
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    expect(hits[2]?.score).toBeCloseTo(Math.SQRT1_2, 4);
    for (const h of hits) expect(h.score).toBeCloseTo(1 - h.distance, 6);
    const scores = hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('filters by genre, including names with an apostrophe, matching whole names only', async () => {
    await upsertMovies(store, movies);
    const kids = await searchMovies(store, [0, 1, 0, 0], { k: 10, genre: "Children's" });
    expect(kids.map((h) => h.id)).toEqual([4, 1]);
    expect((await searchMovies(store, [1, 0, 0, 0], { genre: 'Drama' })).map((h) => h.id)).toEqual([4]);
    expect(await searchMovies(store, [1, 0, 0, 0], { genre: "x') OR true OR ('" })).toEqual([]);
    expect(await searchMovies(store, [1, 0, 0, 0], { genre: "Children''s" })).toEqual([]);
  });

  it('excludes ids, alone and together with a genre', async () => {
    await upsertMovies(store, movies);
    const hits = await searchMovies(store, [1, 0, 0, 0], { k: 2, excludeIds: [1, 2] });
    expect(hits.map((h) => h.id)).toEqual([4, 3]);
    const both = await searchMovies(store, [1, 0, 0, 0], { genre: 'Thriller', excludeIds: [2] });
    expect(both.map((h) => h.id)).toEqual([3]);
  });

  it('rejects vectors of the wrong length with a clear error instead of padding them', async () => {
    await expect(upsertMovies(store, [{ ...movies[0], vector: [1, 0, 0] } as MovieInput])).rejects.toThrow(
      /movie 1: vector has 3 values .* 4-d/,
    );
    await expect(searchMovies(store, new Float32Array(5))).rejects.toBeInstanceOf(StoreVectorError);
    await expect(upsertMovies(store, [{ ...movies[0], vector: [1, Number.NaN, 0, 0] } as MovieInput])).rejects.toBeInstanceOf(
      StoreVectorError,
    );
    expect(await countMovies(store)).toBe(0);
  });

  it('rejects ids that are not integers before they reach a filter', async () => {
    await expect(getMovies(store, [1.5])).rejects.toBeInstanceOf(StoreInputError);
    await expect(searchMovies(store, [1, 0, 0, 0], { excludeIds: [Number.NaN] })).rejects.toBeInstanceOf(StoreInputError);
    await expect(searchMovies(store, [1, 0, 0, 0], { k: 0 })).rejects.toBeInstanceOf(StoreInputError);
  });
});

describe('genres', () => {
  it('upserts idempotently and lists by name', async () => {
    const genres = [
      { name: 'Thriller', movieCount: 2, vector: [0.5, 0.5, 0, 0] },
      { name: "Children's", movieCount: 2, vector: [0.8, 0.3, 0, 0] },
    ];
    await upsertGenres(store, genres);
    await upsertGenres(store, [...genres, { name: 'Thriller', movieCount: 3, vector: [0, 1, 0, 0] }]);
    const listed = await listGenres(store);
    expect(listed.map((g) => [g.name, g.movieCount])).toEqual([
      ["Children's", 2],
      ['Thriller', 3],
    ]);
    expect(Array.from(listed[1]?.vector ?? [])).toEqual([0, 1, 0, 0]);
    await expect(upsertGenres(store, [{ name: 'Bad', movieCount: 1, vector: [1] }])).rejects.toBeInstanceOf(StoreVectorError);
  });

  it('refuses a search filtered by a genre the store does not know, once genres are stored', async () => {
    await upsertMovies(store, movies);
    // Before a build has stored genres there is nothing to check against: no error, no hits.
    expect(await searchMovies(store, [1, 0, 0, 0], { genre: 'Thriler' })).toEqual([]);
    await upsertGenres(store, [
      { name: 'Thriller', movieCount: 2, vector: [0.5, 0.5, 0, 0] },
      { name: "Children's", movieCount: 2, vector: [0.8, 0.3, 0, 0] },
    ]);
    // A typo must not silently give an empty page.
    await expect(searchMovies(store, [1, 0, 0, 0], { genre: 'Thriler' })).rejects.toThrow(
      /unknown genre "Thriler"; known genres: Children's, Thriller/,
    );
    expect((await searchMovies(store, [0, 1, 0, 0], { genre: 'Thriller' })).map((h) => h.id)).toEqual([3, 2]);
  });
});
