import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../src/recsys/data/types.js';
import {
  buildGenreProfiles,
  buildGenreSpace,
  computeGenreEmbeddings,
  computeUserEmbeddings,
  cosineRows,
  genreGenreSimilarity,
  medianOf,
  presentRows,
  splitUserGenres,
  userGenreSimilarity,
  userVector,
} from '../src/recsys/profiles/index.js';
import { makeTable } from './helpers/tables.js';

function makeCatalogue(genres: string[], movieGenres: string[][]): Catalogue {
  const movies = movieGenres.map((g, j) => ({ id: j + 1, title: `Movie ${j + 1}`, year: null, genres: g }));
  return { movies, byId: new Map(movies.map((m) => [m.id, m])), genres };
}

const close = (value: number | undefined, expected: number): void => expect(value).toBeCloseTo(expected, 6);

describe('user and genre means', () => {
  // dim 2. Movie 3 has no text (zero row) and movie 5 too, so genre D has no embedded movie and
  // genre E has no movie at all: G = {A, B, C}.
  const catalogue = makeCatalogue(['A', 'B', 'C', 'D', 'E'], [['A'], ['A', 'B'], ['B'], ['C'], ['D']]);
  const movies = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1, 0, 0, 0.6, 0.8, 0, 0]) };
  // User 10 likes 1, 2 and 3 (3 has no text) and dislikes 4; user 20 likes nothing;
  // user 30 only likes movie 3, which has no embedding.
  const ratings = makeTable(
    [
      [10, 1, 5],
      [10, 2, 3],
      [10, 3, 4],
      [10, 4, 2],
      [20, 1, 2],
      [20, 4, 1],
      [30, 3, 5],
    ],
    [1, 2, 3, 4, 5],
  );

  it('marks zero rows as missing and keeps only genres with an embedded movie', () => {
    const present = presentRows(movies, 5);
    expect(Array.from(present)).toEqual([1, 1, 0, 1, 0]);
    const space = buildGenreSpace(catalogue, present);
    expect(space.names).toEqual(['A', 'B', 'C']);
    expect(space.excludedNoMovies).toEqual(['E']);
    expect(space.excludedNoEmbedding).toEqual(['D']);
    expect(Array.from(space.masks ?? [])).toEqual([0b001, 0b011, 0b010, 0b100, 0]);
    expect(Array.from(space.genreItems)).toEqual([0, 1, 1, 2, 3]);
  });

  it('averages the positive movies per user, skipping zero rows; no positive → null and counted', () => {
    const users = computeUserEmbeddings(ratings, movies);
    expect(Array.from(userVector(users, 0) ?? [])).toEqual([0.5, 0.5]);
    expect(users.counts[0]).toBe(2);
    expect(userVector(users, 1)).toBeNull();
    expect(userVector(users, 2)).toBeNull();
    expect(users).toMatchObject({ nUsers: 3, withEmbedding: 1, withoutEmbedding: 2, noPositives: 1 });
  });

  it('averages each genre over its movies (a movie counts in every genre), skipping zero rows', () => {
    const space = buildGenreSpace(catalogue, presentRows(movies, 5));
    const genres = computeGenreEmbeddings(space, movies);
    expect(Array.from(genres.vectors.subarray(0, 2))).toEqual([0.5, 0.5]); // A = mean(m1, m2)
    expect(Array.from(genres.vectors.subarray(2, 4))).toEqual([0, 1]); // B = m2 only (m3 is zero)
    expect(Array.from(genres.vectors.subarray(4, 6))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(genres.counts)).toEqual([2, 1, 1]);
  });

  it('computes cosine on the un-normalised means', () => {
    const run = buildGenreProfiles(catalogue, ratings, movies);
    // u = (0.5, 0.5): cos(u, A) = 1, cos(u, B) = 0.5 / 0.70711, cos(u, C) = 0.7 / 0.70711.
    close(run.userGenre[0], 1);
    close(run.userGenre[1], Math.SQRT1_2);
    close(run.userGenre[2], 0.7 / Math.SQRT1_2);
    expect(Array.from(run.userGenre.subarray(3)).every(Number.isNaN)).toBe(true);
    const gg = run.genreGenre;
    expect(Array.from(gg)).toHaveLength(9);
    for (let a = 0; a < 3; a++) {
      expect(gg[a * 3 + a]).toBe(1);
      for (let b = 0; b < 3; b++) expect(gg[a * 3 + b]).toBe(gg[b * 3 + a]);
    }
    close(gg[1], Math.SQRT1_2); // A·B
    close(gg[2], 0.7 / Math.SQRT1_2); // A·C
    close(gg[5], 0.8); // B·C
    expect(run.profiles.usersWithoutEmbedding).toBe(2);
    expect(run.profiles.profiles[1]).toBeNull();
  });

  it('returns NaN, not 0, against a zero vector', () => {
    expect(cosineRows([0, 0], 0, [1, 0], 0, 2)).toBeNaN();
    expect(cosineRows([3, 4], 0, [6, 8], 0, 2)).toBe(1);
  });

  it('rejects embeddings of the wrong shape', () => {
    expect(() => presentRows({ dim: 2, vectors: new Float32Array(9) }, 5)).toThrow(/5 movie embeddings/);
  });

  it('gives the full G × G matrix when a genre mean is missing, with NaN off its row', () => {
    const gg = genreGenreSimilarity({
      dim: 2,
      vectors: Float32Array.from([1, 0, 0, 0]),
      has: Uint8Array.from([1, 0]),
      counts: new Uint32Array(2),
    });
    expect(gg[0]).toBe(1);
    expect(gg[1]).toBeNaN();
    expect(gg[3]).toBeNaN();
    const ug = userGenreSimilarity(
      { dim: 2, nUsers: 1, vectors: Float32Array.from([1, 1]), has: Uint8Array.from([1]), counts: new Uint32Array(1) },
      { dim: 2, vectors: Float32Array.from([1, 0, 0, 0]), has: Uint8Array.from([1, 0]), counts: new Uint32Array(2) },
    );
    close(ug[0], Math.SQRT1_2);
    expect(ug[1]).toBeNaN();
  });
});

describe('median split into actual positive / negative genres', () => {
  it('takes the middle value for odd counts and the mean of the two middle ones for even counts', () => {
    expect(medianOf([0.9, 0.1, 0.5, 0.7, 0.2])).toBe(0.5);
    expect(medianOf([0.4, 0.1, 0.3, 0.2])).toBeCloseTo(0.25, 12);
    expect(medianOf([])).toBeNaN();
  });

  it('odd G: the median genre is neither; liked / unrated rules filter the candidates', () => {
    // Genres A..E, movies 1..5 one genre each, movie 6 in A and E.
    const catalogue = makeCatalogue(['A', 'B', 'C', 'D', 'E'], [['A'], ['B'], ['C'], ['D'], ['E'], ['A', 'E']]);
    const space = buildGenreSpace(catalogue);
    // User 1 likes movie 1 (A), rated D's movie 4 with a 2 and E's movie 5 with a 1.
    const ratings = makeTable(
      [
        [1, 1, 4],
        [1, 4, 2],
        [1, 5, 1],
      ],
      [1, 2, 3, 4, 5, 6],
    );
    // sims A .9, B .1, C .5, D .7, E .2 → median .5 (C): candidates + {A, D}, − {B, E}.
    const sims = Float32Array.from([0.9, 0.1, 0.5, 0.7, 0.2]);
    const { profiles, usersWithProfile } = splitUserGenres(sims, ratings, space);
    // D is above the median but never liked; E is below but rated (even a 1★ counts as rated).
    expect(profiles[0]).toEqual({ positive: [0], negative: [1], median: Math.fround(0.5) });
    expect(usersWithProfile).toBe(1);
  });

  it('even G: median is the mean of the middle pair; genres tied at the median are neither', () => {
    const catalogue = makeCatalogue(['A', 'B', 'C', 'D'], [['A'], ['B'], ['C'], ['D']]);
    const space = buildGenreSpace(catalogue);
    const ratings = makeTable(
      [
        [1, 1, 5],
        [1, 3, 3],
        [2, 1, 5],
        [2, 2, 3],
        [3, 1, 3],
      ],
      [1, 2, 3, 4],
    );
    const sims = Float32Array.from([
      ...[0.4, 0.1, 0.3, 0.2], // median .25: + {A, C}, − {B, D}
      ...[0.5, 0.5, 0.5, 0.1], // median .5: A, B, C tie at it → + {}, − {D}
      ...[Number.NaN, Number.NaN, Number.NaN, Number.NaN], // no embedding
    ]);
    const result = splitUserGenres(sims, ratings, space);
    expect(result.profiles[0]?.positive).toEqual([0, 2]);
    expect(result.profiles[0]?.negative).toEqual([1, 3]);
    expect(result.profiles[0]?.median).toBeCloseTo(0.25, 6);
    expect(result.profiles[1]).toEqual({ positive: [], negative: [3], median: 0.5 });
    expect(result.profiles[2]).toBeNull();
    expect(result).toMatchObject({
      usersWithProfile: 2,
      usersWithoutEmbedding: 1,
      usersWithoutPositiveGenre: 1,
      usersWithoutNegativeGenre: 0,
    });
  });

  it('rejects a similarity matrix of the wrong size', () => {
    const space = buildGenreSpace(makeCatalogue(['A'], [['A']]));
    expect(() => splitUserGenres(new Float32Array(3), makeTable([[1, 1, 5]], [1]), space)).toThrow(/expected 1 users × 1 genres/);
  });
});

describe('genre vocabulary', () => {
  it('never turns "(no genres listed)" into a genre, and falls back to a matrix above 32 genres', () => {
    const catalogue = makeCatalogue(['(no genres listed)', 'A'], [['(no genres listed)'], ['A']]);
    const space = buildGenreSpace(catalogue);
    expect(space.names).toEqual(['A']);
    expect(Array.from(space.masks ?? [])).toEqual([0, 1]);

    const names = Array.from({ length: 40 }, (_, g) => `G${g}`);
    const big = buildGenreSpace(makeCatalogue(names, [names, ['G1']]));
    expect(big.nGenres).toBe(40);
    expect(big.masks).toBeNull();
    expect(big.membership[39]).toBe(1);
    expect(big.membership[40 + 1]).toBe(1);
    expect(big.membership[40 + 2]).toBe(0);
    expect(big.genreOffsets[40]).toBe(41);
  });
});
