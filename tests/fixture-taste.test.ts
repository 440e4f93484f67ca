import { describe, expect, it } from 'vitest';
import { loadMovieLens } from '../src/recsys/data/index.js';
import { makeTasteDataset, TASTE_GENRES } from './fixtures/movielens-taste.js';

describe('taste fixture', () => {
  it('loads as an ml-latest folder with overviews, posters and every genre', async () => {
    const f = await makeTasteDataset();
    const d = await loadMovieLens(f.dir, { textFile: f.textFile });
    expect(d.catalogue.movies).toHaveLength(f.movies);
    expect(d.ratings.userIds.length).toBe(f.users);
    expect(d.text.withOverview).toBe(f.movies);
    expect(d.catalogue.genres.slice().sort()).toEqual([...TASTE_GENRES].sort());
    expect(d.catalogue.byId.get(7)?.title).toContain('<b>Bold</b>');
    expect(d.ratings.length).toBeGreaterThan(800);
  });
});
