import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../src/recsys/data/types.js';
import { buildGenreDataset, buildGenreSpace, csvField, exportGenreDataset, type GenreProfiles } from '../src/recsys/profiles/index.js';
import { makeTable, range } from './helpers/tables.js';

function makeCatalogue(genres: string[], movieGenres: string[][], titles: string[] = []): Catalogue {
  const movies = movieGenres.map((g, j) => ({ id: j + 1, title: titles[j] ?? `Movie ${j + 1}`, year: null, genres: g }));
  return { movies, byId: new Map(movies.map((m) => [m.id, m])), genres };
}

function profilesOf(nGenres: number, list: (GenreProfiles['profiles'][number] | null)[]): GenreProfiles {
  const withProfile = list.filter((p) => p !== null).length;
  return {
    nGenres,
    profiles: list,
    usersWithProfile: withProfile,
    usersWithoutEmbedding: list.length - withProfile,
    usersWithoutPositiveGenre: 0,
    usersWithoutNegativeGenre: 0,
  };
}

// Genres A B C D. Movies: 1 [A], 2 [A,B], 3 [B], 4 [B], 5..13 [C], 14 [C,D], 15 [D], 16 [D].
const GENRES = ['A', 'B', 'C', 'D'];
const MOVIE_GENRES = [['A'], ['A', 'B'], ['B'], ['B'], ...range(5, 13).map(() => ['C']), ['C', 'D'], ['D'], ['D']];
const catalogue = makeCatalogue(GENRES, MOVIE_GENRES);
const space = buildGenreSpace(catalogue);
// User 7 likes 1 (A), 2 (A,B) and 4 (B) and dislikes 3 (B). User 8 likes 1 and 2. User 9 has no embedding.
const ratings = makeTable(
  [
    [7, 1, 5],
    [7, 2, 3],
    [7, 3, 2],
    [7, 4, 4],
    [8, 1, 4],
    [8, 2, 5],
    [9, 1, 5],
  ],
  range(1, 16),
);
const profiles = profilesOf(4, [
  { positive: [0, 1], negative: [2, 3], median: 0 }, // user 7: + {A, B}, − {C, D}
  { positive: [0], negative: [3], median: 0 }, // user 8: − {D} holds only 3 movies
  null,
]);

describe('buildGenreDataset', () => {
  it('builds 1:3 rows, genre = first actual positive genre, negatives from the negative genres', () => {
    const data = buildGenreDataset(ratings, space, profiles, { seed: 5 });
    const user7 = Array.from({ length: data.length }, (_, r) => r).filter((r) => data.user[r] === 0);
    // 3 positives (1, 2, 4; 3 is a 2★) × (1 + 3).
    expect(user7).toHaveLength(12);
    expect(user7.map((r) => data.interaction[r])).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    const positives = user7.filter((r) => data.interaction[r] === 1);
    expect(positives.map((r) => data.item[r] + 1)).toEqual([1, 2, 4]);
    // Movie 2 is in A and B: A comes first in catalogue order.
    expect(positives.map((r) => data.genreNames[data.genre[r]])).toEqual(['A', 'A', 'B']);
    const negatives = user7.filter((r) => data.interaction[r] === 0);
    const negIds = negatives.map((r) => data.item[r] + 1);
    expect(new Set(negIds).size).toBe(9);
    for (const r of negatives) {
      const id = data.item[r] + 1;
      expect(id).toBeGreaterThanOrEqual(5);
      // Movie 14 is in C and D: its genre is C, the first negative genre; 15 and 16 are D.
      expect(data.genreNames[data.genre[r]]).toBe(id >= 15 ? 'D' : 'C');
    }
  });

  it('reuses the movies of small negative genres so every positive keeps 3 negatives', () => {
    const data = buildGenreDataset(ratings, space, profiles, { seed: 5 });
    const user8 = Array.from({ length: data.length }, (_, r) => r).filter((r) => data.user[r] === 1);
    // 2 positives need 6 negatives; genre D has movies 14, 15, 16 only: each once, then 3 repeats.
    expect(user8.map((r) => data.interaction[r])).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(new Set(user8.slice(1, 4).map((r) => data.item[r] + 1))).toEqual(new Set([14, 15, 16]));
    for (const r of user8.slice(5)) expect([14, 15, 16]).toContain(data.item[r] + 1);
    expect(user8.filter((r) => data.interaction[r] === 0).every((r) => data.genreNames[data.genre[r]] === 'D')).toBe(true);
    expect(data.summary).toMatchObject({
      users: 3,
      usersWithProfile: 2,
      usersWithoutEmbedding: 1,
      usersWithRows: 2,
      positives: 5,
      negatives: 15,
      repeatedNegatives: 3,
      usersWithoutNegatives: 0,
      negativesPerPositive: 3,
      seed: 5,
    });
    expect(data.length).toBe(20);
  });

  it('is deterministic by seed and follows the ratio parameter', () => {
    const a = buildGenreDataset(ratings, space, profiles, { seed: 11 });
    const b = buildGenreDataset(ratings, space, profiles, { seed: 11 });
    expect(Array.from(b.item)).toEqual(Array.from(a.item));
    expect(Array.from(b.genre)).toEqual(Array.from(a.genre));
    const others = [12, 13, 14, 15].map((seed) => Array.from(buildGenreDataset(ratings, space, profiles, { seed }).item).join());
    expect(others.some((items) => items !== Array.from(a.item).join())).toBe(true);
    const one = buildGenreDataset(ratings, space, profiles, { negativesPerPositive: 1 });
    expect(one.summary).toMatchObject({ positives: 5, negatives: 5, repeatedNegatives: 0 });
    expect(() => buildGenreDataset(ratings, space, profiles, { negativesPerPositive: 1.5 })).toThrow(RangeError);
  });

  it('draws uniformly over the union of overlapping genres on the rejection path', () => {
    // C = movies 2..101, D = movies 52..151: the union has 150 movies, 50 of them in both genres.
    const big = makeCatalogue(
      ['A', 'C', 'D'],
      [['A'], ...range(2, 151).map((id) => [...(id <= 101 ? ['C'] : []), ...(id >= 52 ? ['D'] : [])])],
    );
    const bigSpace = buildGenreSpace(big);
    const table = makeTable([[1, 1, 5]], range(1, 151));
    const bigProfiles = profilesOf(3, [{ positive: [0], negative: [1, 2], median: 0 }]);
    let overlap = 0;
    let draws = 0;
    for (let seed = 0; seed < 1500; seed++) {
      const data = buildGenreDataset(table, bigSpace, bigProfiles, { seed });
      const negs = Array.from(data.item.subarray(1), (j) => j + 1);
      expect(new Set(negs).size).toBe(3);
      for (const id of negs) {
        expect(id).toBeGreaterThanOrEqual(2);
        if (id >= 52 && id <= 101) overlap++;
        draws++;
      }
    }
    // Uniform over the union: 50 / 150 = 1/3 of draws hit the overlap (naive slot picks would give 1/2).
    expect(overlap / draws).toBeGreaterThan(0.3);
    expect(overlap / draws).toBeLessThan(0.367);
  });
});

describe('buildGenreDataset fallback', () => {
  it('lists the union when rejection cannot fill the quota (heavily overlapping genres)', () => {
    // Ten negative genres over the same 4 movies: 40 slots look plenty for 6 draws, but the union has 4.
    const names = ['A', ...range(1, 10).map((g) => `N${g}`)];
    const cat = makeCatalogue(names, [['A'], ['A'], ...range(1, 4).map(() => names.slice(1))]);
    const table = makeTable(
      [
        [1, 1, 5],
        [1, 2, 4],
      ],
      range(1, 6),
    );
    const negative = range(1, 10);
    const data = buildGenreDataset(table, buildGenreSpace(cat), profilesOf(11, [{ positive: [0], negative, median: 0 }]), { seed: 3 });
    expect(data.summary).toMatchObject({ positives: 2, negatives: 6, repeatedNegatives: 2 });
    expect(new Set(Array.from(data.item).filter((_, r) => data.interaction[r] === 0))).toEqual(new Set([2, 3, 4, 5]));
    expect(Array.from(data.interaction)).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('leaves out a user with positives but no negative genre, counting them', () => {
    const names = ['A', 'B'];
    const cat = makeCatalogue(names, [['A'], ['A'], ['B']]);
    const table = makeTable([[1, 1, 5]], range(1, 3));
    const data = buildGenreDataset(table, buildGenreSpace(cat), profilesOf(2, [{ positive: [0], negative: [], median: 0 }]));
    expect(data.length).toBe(0);
    expect(data.summary).toMatchObject({ positives: 0, negatives: 0, usersWithoutNegatives: 1, positivesLeftOut: 1, usersWithRows: 0 });
  });
});

describe('exportGenreDataset', () => {
  it('quotes fields per RFC 4180', () => {
    expect(csvField('Plain (1995)')).toBe('Plain (1995)');
    expect(csvField('American President, The (1995)')).toBe('"American President, The (1995)"');
    expect(csvField('Say "Hi", again')).toBe('"Say ""Hi"", again"');
  });

  it('writes the seed header with dataset ids, genre names and quoted titles', async () => {
    const titled = makeCatalogue(['A', 'B'], [['A'], ['B'], ['B']], ['Heat (1995)', 'Dog, the "Great" (1999)', 'Big']);
    const table = makeTable(
      [
        [42, 1, 5],
        [42, 2, 1],
      ],
      [1, 2, 3],
    );
    // Movie ids 1..3 map to dataset ids through itemIds; give them distinct values to check the mapping.
    const ids = { userIds: Int32Array.from([4242]), itemIds: Int32Array.from([101, 102, 103]) };
    const data = buildGenreDataset(table, buildGenreSpace(titled), profilesOf(2, [{ positive: [0], negative: [1], median: 0 }]), {
      negativesPerPositive: 1,
      seed: 1,
    });
    // Movie 2 was rated (1★), so genre B is not negative in real profiles; here it is forced to test quoting,
    // and the only eligible (unrated) B movie is 3.
    expect(Array.from(data.item)).toEqual([0, 2]);
    const dir = await mkdtemp(join(tmpdir(), 'reelrec-genre-'));
    const file = join(dir, 'genre.csv');
    await exportGenreDataset(data, titled, ids, file);
    expect(await readFile(file, 'utf8')).toBe('userid,movieid,interaction,genre,movie title\n4242,101,1,A,Heat (1995)\n4242,103,0,B,Big\n');
    // Titles with a comma and quotes: put movie 2 in a row by hand.
    const manual = {
      ...data,
      item: Uint32Array.from([1]),
      user: Uint32Array.from([0]),
      interaction: Uint8Array.from([0]),
      genre: Uint16Array.from([1]),
      length: 1,
    };
    await exportGenreDataset(manual, titled, ids, file);
    expect(await readFile(file, 'utf8')).toBe('userid,movieid,interaction,genre,movie title\n4242,102,0,B,"Dog, the ""Great"" (1999)"\n');
    expect(await readdir(dir)).toEqual(['genre.csv']);
    await expect(exportGenreDataset(data, titled, { userIds: ids.userIds, itemIds: Int32Array.from([1]) }, file)).rejects.toThrow(
      /catalogue has 3/,
    );
  });
});
