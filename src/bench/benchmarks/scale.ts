import path from 'node:path';
import { loadMovieLens } from '../../recsys/data/index.js';
import { HardSampler } from '../../recsys/sampling/index.js';
import { peakRssMB } from '../machine.js';
import { ensureSyntheticMovieLens } from '../synthetic.js';
import type { Benchmark, BenchRow } from '../types.js';

/** ml-32m's size: the largest MovieLens release the loader promises to handle. */
const RATINGS = 32_000_000;

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: `load and hard-sample a synthetic ml-latest folder of ${RATINGS / 1e6} M ratings (ml-32m's size)`,
  async run({ seed }) {
    const dir = await ensureSyntheticMovieLens(path.resolve('bench/tmp'), RATINGS);
    const rssBefore = process.memoryUsage().rss;
    const loadStarted = performance.now();
    const data = await loadMovieLens(dir, { progress: true });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const rows: BenchRow[] = [
      {
        model: 'load',
        ratings: data.ratings.length,
        users: data.ratings.userIds.length,
        movies: data.catalogue.movies.length,
        seconds: loadSeconds,
        ratingsPerSecond: Math.round(data.ratings.length / loadSeconds),
        tableMB: Math.round((data.ratings.length * 16) / 2 ** 20),
        rssGrowthMB: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20),
        peakRssMB: peakRssMB(),
      },
    ];
    const sampleStarted = performance.now();
    const sampled = new HardSampler(data.ratings, { negativesPerPositive: 4 }).sample(seed);
    const sampleSeconds = (performance.now() - sampleStarted) / 1000;
    rows.push({
      model: 'hard-sampling',
      rows: sampled.length,
      seconds: sampleSeconds,
      rowsPerSecond: Math.round(sampled.length / sampleSeconds),
      peakRssMB: peakRssMB(),
    });
    return { dataset: `synthetic ml-latest layout, ${dir}`, rows };
  },
};
