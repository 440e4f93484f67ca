import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMovieLens } from '../src/recsys/data/load.js';
import { hasSharedData, sharedDataRoot } from './helpers/data-root.js';

// Expected numbers come from shared/data/README.md.
const dataRoot = sharedDataRoot();
const has = hasSharedData;

describe.skipIf(!has('ml-100k', 'u.data'))('real ml-100k', () => {
  it('loads 943 users, 1682 movies and 100000 ratings with the published histogram', async () => {
    const ds = await loadMovieLens(path.join(dataRoot, 'ml-100k'), { progress: false });
    expect(ds.format).toBe('ml-100k');
    expect(ds.ratings.userIds.length).toBe(943);
    expect(ds.catalogue.movies.length).toBe(1682);
    expect(ds.ratings.length).toBe(100_000);
    const histogram = [0, 0, 0, 0, 0];
    for (const r of ds.ratings.rating) histogram[r - 1]++;
    expect(histogram).toEqual([6110, 11370, 27145, 34174, 21201]);
    expect(ds.catalogue.byId.get(267)?.title).toBe('unknown');
    expect(ds.catalogue.byId.get(543)?.title).toBe('Misérables, Les (1995)');
    expect(ds.catalogue.genres).toHaveLength(19);
  });

  it.skipIf(!has('overviews', 'ml-100k_text.csv'))('joins overviews/ml-100k_text.csv', async () => {
    const textFile = path.join(dataRoot, 'overviews', 'ml-100k_text.csv');
    const ds = await loadMovieLens(path.join(dataRoot, 'ml-100k'), { progress: false, textFile });
    // README: any text (TMDB overview, else trusted IMDb description) 1,604; poster_path 1,567.
    expect(ds.text).toEqual({ file: textFile, movies: 1682, withOverview: 1604, withPoster: 1567 });
    expect(ds.catalogue.byId.get(1)).toMatchObject({ imdbId: 'tt0114709', tmdbId: 862 });
  });
});

describe.skipIf(!has('ml-latest-small', 'ratings.csv'))('real ml-latest-small', () => {
  it('loads 610 users, 9742 movies and 100836 ratings', async () => {
    const ds = await loadMovieLens(path.join(dataRoot, 'ml-latest-small'), { progress: false });
    expect(ds.format).toBe('ml-latest');
    expect(ds.ratings.userIds.length).toBe(610);
    expect(ds.catalogue.movies.length).toBe(9742);
    expect(ds.ratings.length).toBe(100_836);
    const rated = new Set(ds.ratings.item);
    expect(rated.size).toBe(9724);
    expect(ds.catalogue.byId.get(1)).toMatchObject({ title: 'Toy Story (1995)', imdbId: 'tt0114709', tmdbId: 862 });
    expect(ds.catalogue.movies.filter((m) => m.tmdbId === undefined)).toHaveLength(8);
    expect(ds.catalogue.byId.get(7789)?.title).toBe(`11'09"01 - September 11 (2002)`);
  });

  it.skipIf(!has('overviews', 'ml-latest-small_text.csv'))('joins overviews/ml-latest-small_text.csv', async () => {
    const textFile = path.join(dataRoot, 'overviews', 'ml-latest-small_text.csv');
    const ds = await loadMovieLens(path.join(dataRoot, 'ml-latest-small'), { progress: false, textFile });
    expect(ds.text).toEqual({ file: textFile, movies: 9742, withOverview: 9370, withPoster: 4417 });
  });
});
