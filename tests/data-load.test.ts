import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../src/recsys/data/detect.js';
import { loadMovieLens } from '../src/recsys/data/load.js';
import { joinTextFile } from '../src/recsys/data/text-join.js';
import { makeDataset, removeDatasets } from './fixtures/movielens-tiny.js';

afterAll(removeDatasets);

const rows = (ds: Awaited<ReturnType<typeof loadMovieLens>>) =>
  Array.from({ length: ds.ratings.length }, (_, i) => [
    ds.ratings.userIds[ds.ratings.user[i]],
    ds.ratings.itemIds[ds.ratings.item[i]],
    ds.ratings.rating[i],
    ds.ratings.timestamp[i],
  ]);

describe('ml-100k', () => {
  it('loads u.item (latin-1), u.genre and u.data', async () => {
    const dir = await makeDataset('ml-100k-tiny');
    const ds = await loadMovieLens(dir, { progress: false });
    expect(ds.format).toBe('ml-100k');
    expect(ds.name).toBe('ml-100k-tiny');
    expect(ds.dir).toBe(dir);
    expect(ds.catalogue.genres).toHaveLength(19);
    expect(ds.catalogue.genres[4]).toBe("Children's");
    expect(ds.catalogue.movies.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(ds.catalogue.byId.get(2)).toEqual({ id: 2, title: 'Misérables, Les (1995)', year: 1995, genres: ['Drama', 'War'] });
    expect(ds.catalogue.byId.get(3)).toMatchObject({ title: 'unknown', year: null, genres: ['unknown'] });
    // No year in the title: taken from the release date.
    expect(ds.catalogue.byId.get(4)).toMatchObject({ year: 1997, genres: ['Sci-Fi'] });
    expect(ds.catalogue.byId.get(1)?.imdbId).toBeUndefined();

    expect(Array.from(ds.ratings.userIds)).toEqual([2, 5, 9]);
    // Unrated movie 4 still has an index: items cover the whole catalogue.
    expect(Array.from(ds.ratings.itemIds)).toEqual([1, 2, 3, 4]);
    expect(ds.ratings.itemIndex.get(4)).toBe(3);
    expect(rows(ds)[0]).toEqual([9, 1, 5, 881250949]);
    expect(rows(ds)).toHaveLength(6);
    expect(ds.text).toEqual({ file: null, movies: 4, withOverview: 0, withPoster: 0 });
  });

  it('falls back to the standard genre names without u.genre, and accepts CRLF and a missing final newline', async () => {
    const dir = await makeDataset('ml-100k-tiny', { 'u.genre': null, 'u.data': '9\t1\t5\t881250949\r\n2\t4\t3\t891717742' });
    const ds = await loadMovieLens(dir, { progress: false });
    expect(ds.catalogue.genres.at(-1)).toBe('Western');
    expect(rows(ds)).toEqual([
      [9, 1, 5, 881250949],
      [2, 4, 3, 891717742],
    ]);
  });

  it('joins the ml-100k text CSV (item_id key, IMDb description fallback, embedded newline)', async () => {
    const textDir = await makeDataset('text');
    const ds = await loadMovieLens(await makeDataset('ml-100k-tiny'), {
      progress: false,
      textFile: path.join(textDir, 'ml-100k-text.csv'),
    });
    expect(ds.text).toEqual({ file: path.join(textDir, 'ml-100k-text.csv'), movies: 4, withOverview: 2, withPoster: 1 });
    expect(ds.catalogue.byId.get(1)).toMatchObject({
      overview: "Led by Woody,\nAndy's toys live happily.",
      posterPath: '/rhIRbceoE9lR4veEXuwCC2wARtG.jpg',
      imdbId: 'tt0114709',
      tmdbId: 862,
    });
    expect(ds.catalogue.byId.get(2)).toMatchObject({ overview: 'A French epic.', imdbId: 'tt0113828', tmdbId: 48750 });
    expect(ds.catalogue.byId.get(3)).not.toHaveProperty('overview');
    expect(ds.catalogue.byId.get(3)).not.toHaveProperty('imdbId');
  });
});

describe('ml-1m', () => {
  it('loads movies.dat (latin-1) and ratings.dat with :: separators', async () => {
    const ds = await loadMovieLens(await makeDataset('ml-1m-tiny'), { progress: false });
    expect(ds.format).toBe('ml-1m');
    expect(ds.catalogue.byId.get(2)).toEqual({ id: 2, title: 'Misérables, Les (1995)', year: 1995, genres: ['Drama', 'Musical'] });
    expect(ds.catalogue.genres).toEqual(['Animation', "Children's", 'Comedy', 'Drama', 'Musical', 'Action', 'Crime', 'Thriller']);
    expect(Array.from(ds.ratings.userIds)).toEqual([1, 3, 6]);
    expect(rows(ds)).toEqual([
      [1, 1, 5, 978300760],
      [1, 3, 3, 978302109],
      [6, 2, 4, 978301968],
      [3, 1, 2, 978300275],
    ]);
  });
});

describe('ml-latest', () => {
  it('loads CRLF movies/links/tags/ratings with RFC-4180 quoting', async () => {
    const ds = await loadMovieLens(await makeDataset('ml-latest-tiny'), { progress: false });
    expect(ds.format).toBe('ml-latest');
    const { byId } = ds.catalogue;
    expect(ds.catalogue.movies.map((m) => m.id)).toEqual([1, 11, 7789, 176329]);
    expect(byId.get(11)).toMatchObject({ title: 'American President, The (1995)', year: 1995, imdbId: 'tt0112346', tmdbId: 9087 });
    expect(byId.get(7789)).toMatchObject({ title: `11'09"01 - September 11 (2002)`, year: 2002, tags: ['terrorism'] });
    expect(byId.get(7789)).not.toHaveProperty('tmdbId');
    expect(byId.get(176329)).toMatchObject({ title: 'Black Mirror', year: null, genres: [] });
    expect(byId.get(1)?.tags).toEqual(['pixar', 'fun, for kids']);
    expect(ds.catalogue.genres).not.toContain('(no genres listed)');
    expect(Array.from(ds.ratings.userIds)).toEqual([3, 7, 10]);
    expect(Array.from(ds.ratings.itemIds)).toEqual([1, 11, 7789, 176329]);
    expect(rows(ds)).toEqual([
      [10, 1, 4, 964982703],
      [10, 11, 0.5, 964981247],
      [3, 1, 5, 964982224],
      [3, 7789, 3.5, 964983815],
      [7, 11, 2.5, 1445714835],
    ]);
  });

  it('works without the optional links.csv and tags.csv', async () => {
    const ds = await loadMovieLens(await makeDataset('ml-latest-tiny', { 'links.csv': null, 'tags.csv': null }), {
      progress: false,
    });
    expect(ds.catalogue.byId.get(1)).toEqual({
      id: 1,
      title: 'Toy Story (1995)',
      year: 1995,
      genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
    });
  });

  it('joins the text CSV without overwriting ids from links.csv and ignores unknown movies', async () => {
    const textFile = path.join(await makeDataset('text'), 'ml-latest-text.csv');
    const ds = await loadMovieLens(await makeDataset('ml-latest-tiny'), { progress: false, textFile });
    expect(ds.text).toEqual({ file: textFile, movies: 4, withOverview: 3, withPoster: 2 });
    const { byId } = ds.catalogue;
    // links.csv says 862; the text file's 999 must not win.
    expect(byId.get(1)).toMatchObject({ tmdbId: 862, posterPath: '/rhIRbceoE9lR4veEXuwCC2wARtG.jpg' });
    expect(byId.get(11)?.overview).toBe('A widowed president\nfalls for a "lobbyist".');
    expect(byId.get(11)).not.toHaveProperty('posterPath');
    // links.csv had no TMDB id for 7789, so the text file fills it.
    expect(byId.get(7789)).toMatchObject({ tmdbId: 55555 });
    expect(byId.get(7789)).not.toHaveProperty('overview');

    const again = await joinTextFile(ds.catalogue, textFile);
    expect(again.unknownRows).toBe(1);
  });

  it('streams a ratings file larger than one read chunk, with exact line numbers across chunks', async () => {
    const n = 300_000;
    const lines = ['userId,movieId,rating,timestamp'];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const rating = ((i % 10) + 1) / 2;
      sum += rating;
      lines.push(`${1000 + (i % 997)},${[1, 11, 7789, 176329][i % 4]},${rating.toFixed(1)},${1_500_000_000 + i}`);
    }
    const dir = await makeDataset('ml-latest-tiny', { 'ratings.csv': `${lines.join('\r\n')}\r\n` });
    const ds = await loadMovieLens(dir, { progress: false });
    expect(ds.ratings.length).toBe(n);
    expect(ds.ratings.rating.reduce((a, b) => a + b, 0)).toBe(sum);
    expect(ds.ratings.timestamp[n - 1]).toBe(1_500_000_000 + n - 1);
    expect(ds.ratings.userIds.length).toBe(997);

    lines[250_001] = '1,1,4.0,abc';
    await writeFile(path.join(dir, 'ratings.csv'), `${lines.join('\r\n')}\r\n`);
    await expect(loadMovieLens(dir, { progress: false })).rejects.toThrow(/ratings\.csv:250002: timestamp "abc"/);
  });
});

describe('detectFormat', () => {
  it('recognises each layout from its file names', async () => {
    expect(await detectFormat(await makeDataset('ml-100k-tiny'))).toBe('ml-100k');
    expect(await detectFormat(await makeDataset('ml-1m-tiny'))).toBe('ml-1m');
    expect(await detectFormat(await makeDataset('ml-latest-tiny'))).toBe('ml-latest');
  });
});
