import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTasteMovieLens, readTasteTruth } from '../src/bench/taste-synthetic.js';
import { loadMovieLens } from '../src/recsys/data/index.js';

const TARGET = 20_000;
const roots: string[] = [];

async function generate(seed: number) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'reelrec-taste-synthetic-'));
  roots.push(root);
  return ensureTasteMovieLens(root, TARGET, { seed, progress: false });
}

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('taste-synthetic MovieLens', () => {
  it('is the same for a seed, different for another, and reused when present', async () => {
    const [a, b, c] = await Promise.all([generate(3), generate(3), generate(4)]);
    const ratings = (dir: string) => readFile(path.join(dir, 'ratings.csv'), 'utf8');
    const first = await ratings(a.dir);
    expect(await ratings(b.dir)).toBe(first);
    expect(await readFile(path.join(b.dir, 'movies.csv'), 'utf8')).toBe(await readFile(path.join(a.dir, 'movies.csv'), 'utf8'));
    expect(await ratings(c.dir)).not.toBe(first);
    expect(first.startsWith('userId,movieId,rating,timestamp\r\n')).toBe(true);
    const again = await ensureTasteMovieLens(path.dirname(a.dir), TARGET, { seed: 3, progress: false });
    expect(again).toMatchObject({ dir: a.dir, reused: true, users: a.users });
  });

  it('loads as ml-latest with the planned size, and users rate their loved genres above their disliked one', async () => {
    const made = await generate(5);
    const data = await loadMovieLens(made.dir, { progress: false });
    expect(data.format).toBe('ml-latest');
    expect(Math.abs(data.ratings.length - TARGET) / TARGET).toBeLessThanOrEqual(0.01);
    expect(data.catalogue.movies).toHaveLength(made.movies);
    expect(data.ratings.userIds.length).toBe(made.users);

    const truth = await readTasteTruth(made.dir);
    const genreIndex = new Map(truth.genres.map((g, i) => [g, i]));
    const movieGenres = data.catalogue.movies.map((m) => m.genres.map((g) => genreIndex.get(g) as number));
    const sums = new Map<number, { loved: number; lovedN: number; disliked: number; dislikedN: number; total: number }>();
    const { ratings } = data;
    for (let r = 0; r < ratings.length; r++) {
      const user = (ratings.userIds[ratings.user[r] as number] as number) - 1;
      const genres = movieGenres[ratings.item[r] as number] as number[];
      const s = sums.get(user) ?? { loved: 0, lovedN: 0, disliked: 0, dislikedN: 0, total: 0 };
      s.total++;
      const rating = ratings.rating[r] as number;
      if (genres.some((g) => truth.loved[user]?.includes(g))) {
        s.loved += rating;
        s.lovedN++;
      }
      if (genres.includes(truth.disliked[user] as number)) {
        s.disliked += rating;
        s.dislikedN++;
      }
      sums.set(user, s);
    }
    const gaps = [...sums.values()]
      .filter((s) => s.lovedN >= 3 && s.dislikedN >= 1)
      .map((s) => s.loved / s.lovedN - s.disliked / s.dislikedN);
    expect(gaps.length).toBeGreaterThan(0.5 * sums.size);
    const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(meanGap).toBeGreaterThan(0.6);
    expect(gaps.filter((g) => g > 0).length / gaps.length).toBeGreaterThan(0.8);
    // They rate their loved genres more often, and their disliked one less often, than the catalogue carries them.
    const share = (test: (genres: number[]) => boolean) => movieGenres.filter(test).length / movieGenres.length;
    const lifts = [...sums].map(([user, s]) => ({
      loved: s.lovedN / s.total / share((gs) => gs.some((g) => truth.loved[user]?.includes(g))),
      disliked: s.dislikedN / s.total / share((gs) => gs.includes(truth.disliked[user] as number)),
    }));
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    expect(median(lifts.map((l) => l.loved))).toBeGreaterThan(1.2);
    expect(median(lifts.map((l) => l.disliked))).toBeLessThan(0.6);
  });
});

describe('taste-synthetic at a chosen catalogue size (the full-build benchmark)', () => {
  it('writes the movies asked for, in a folder of its own', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'reelrec-taste-synthetic-'));
    roots.push(root);
    const made = await ensureTasteMovieLens(root, 5_000, { seed: 3, movies: 900, progress: false });
    expect(path.basename(made.dir)).toBe('taste-v1-5000-m900-s3');
    const data = await loadMovieLens(made.dir, { progress: false });
    expect(data.catalogue.movies).toHaveLength(900);
    expect(data.ratings.length).toBe(5_000);
    await expect(ensureTasteMovieLens(root, 5_000, { movies: 1 })).rejects.toThrow(RangeError);
  });
});
