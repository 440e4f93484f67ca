import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MostPopular } from '../src/recsys/baselines/most-popular.js';
import { loadMovieLens } from '../src/recsys/data/index.js';
import { evaluateGenreNdcg } from '../src/recsys/eval/genre-ndcg.js';
import { stratifiedSplit } from '../src/recsys/eval/splits.js';
import { buildGenreDataset, buildGenreProfiles, exportGenreDataset } from '../src/recsys/profiles/index.js';
import { createRng } from '../src/recsys/random.js';
import { hasSharedData, sharedDataRoot } from './helpers/data-root.js';

/** Seeded random unit vectors (Gaussian coordinates, so directions are uniform on the sphere). */
function randomUnitVectors(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * dim);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const x = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      out[j * dim + d] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[j * dim + d] /= norm;
  }
  return out;
}

describe.skipIf(!hasSharedData('ml-100k', 'u.data'))('genre profiles on ml-100k with random embeddings', () => {
  it('runs end to end: G, symmetric G × G, every user embedded, ~1:3 genre dataset', async () => {
    const { catalogue, ratings } = await loadMovieLens(path.join(sharedDataRoot(), 'ml-100k'), { progress: false });
    const movies = { dim: 32, vectors: randomUnitVectors(catalogue.movies.length, 32, 7) };
    const run = buildGenreProfiles(catalogue, ratings, movies);

    const withMovies = catalogue.genres.filter((g) => catalogue.movies.some((m) => m.genres.includes(g)));
    const G = run.space.nGenres;
    expect(G).toBe(withMovies.length);
    for (let a = 0; a < G; a++) {
      expect(run.genreGenre[a * G + a]).toBe(1);
      for (let b = 0; b < G; b++) expect(run.genreGenre[a * G + b]).toBe(run.genreGenre[b * G + a]);
    }
    expect(run.users.withEmbedding).toBe(943);
    expect(run.profiles.usersWithProfile).toBe(943);

    const data = buildGenreDataset(ratings, run.space, run.profiles, { seed: 42 });
    const { positives, negatives, repeatedNegatives, usersWithoutNegatives } = data.summary;
    expect(positives).toBeGreaterThan(0);
    // The seed's 1:3, exactly: users whose negative genres are small reuse their movies, and users
    // with no negative genre at all are left out rather than unbalancing the set.
    expect(negatives).toBe(3 * positives);
    expect(repeatedNegatives).toBeGreaterThan(0);
    expect(usersWithoutNegatives).toBeGreaterThan(0);
    const perUser = new Map<number, { pos: number; neg: number }>();
    for (let r = 0; r < data.length; r++) {
      const entry = perUser.get(data.user[r]) ?? { pos: 0, neg: 0 };
      if (data.interaction[r] === 1) entry.pos++;
      else entry.neg++;
      perUser.set(data.user[r], entry);
    }
    for (const e of perUser.values()) expect(e.neg).toBe(3 * e.pos);
    expect(perUser.size).toBe(data.summary.usersWithRows);
    // Positives are liked movies; negatives are never rated by their user.
    const rated = new Set(Array.from({ length: ratings.length }, (_, i) => ratings.user[i] * 1e5 + ratings.item[i]));
    for (let r = 0; r < data.length; r++) expect(rated.has(data.user[r] * 1e5 + data.item[r])).toBe(data.interaction[r] === 1);

    const dir = await mkdtemp(path.join(tmpdir(), 'reelrec-genre-'));
    const file = path.join(dir, 'genre.csv');
    await exportGenreDataset(data, catalogue, ratings, file);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(data.length + 1);

    // Genre NDCG@10 of most-popular, with profiles from the train half only.
    const split = stratifiedSplit(ratings, { ratio: 0.75, seed: 42 });
    const trainRun = buildGenreProfiles(catalogue, split.train, movies);
    const rec = new MostPopular();
    await rec.fit(split.train);
    const genre = await evaluateGenreNdcg(rec, split, trainRun.profiles, trainRun.space, { k: 10 });
    expect(genre.ndcg).toBeGreaterThan(0);
    expect(genre.ndcg).toBeLessThanOrEqual(1);

    const offDiagonal: number[] = [];
    for (let a = 0; a < G; a++) for (let b = a + 1; b < G; b++) offDiagonal.push(run.genreGenre[a * G + b] as number);
    const meanSize = (key: 'positive' | 'negative'): number =>
      run.profiles.profiles.reduce((s, p) => s + (p?.[key].length ?? 0), 0) / run.profiles.usersWithProfile;
    console.log(
      JSON.stringify({
        G,
        excluded: [...run.space.excludedNoMovies, ...run.space.excludedNoEmbedding],
        genreGenre: { min: Math.min(...offDiagonal), max: Math.max(...offDiagonal) },
        usersWithoutPositiveGenre: run.profiles.usersWithoutPositiveGenre,
        usersWithoutNegativeGenre: run.profiles.usersWithoutNegativeGenre,
        meanPositiveGenres: meanSize('positive'),
        meanNegativeGenres: meanSize('negative'),
        dataset: data.summary,
        rows: data.length,
        ratio: negatives / positives,
        genreNdcgMostPopular: genre,
      }),
    );
  });
});
