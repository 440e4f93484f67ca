import type { DatasetName } from '../../recsys/data/datasets.js';
import { loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import { HardSampler } from '../../recsys/sampling/index.js';
import { peakRssMB } from '../machine.js';
import type { Benchmark, BenchRow } from '../types.js';

const DATASETS: DatasetName[] = ['ml-100k', 'ml-latest-small'];

/** Loading and hard sampling speed on the real datasets found under the data folder. */
export const dataBenchmark: Benchmark = {
  name: 'data',
  description: 'load MovieLens folders and build the hard-sampled dataset (4 negatives per positive)',
  async run({ dataDir, seed }) {
    const rows: BenchRow[] = [];
    const found: string[] = [];
    for (const name of DATASETS) {
      const dir = await locateDataset(dataDir, name, { strict: true });
      found.push(dir);
      const loadStarted = performance.now();
      const data = await loadMovieLens(dir, { progress: true });
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      rows.push({
        model: 'load',
        dataset: name,
        ratings: data.ratings.length,
        seconds: loadSeconds,
        ratingsPerSecond: Math.round(data.ratings.length / loadSeconds),
        peakRssMB: peakRssMB(),
      });
      const sampleStarted = performance.now();
      const sampler = new HardSampler(data.ratings, { negativesPerPositive: 4 });
      const sampled = sampler.sample(seed);
      const sampleSeconds = (performance.now() - sampleStarted) / 1000;
      // Training resamples every epoch from the already grouped ratings: time that path too.
      const resampleStarted = performance.now();
      sampler.sample(seed + 1);
      const resampleSeconds = (performance.now() - resampleStarted) / 1000;
      rows.push({
        model: 'hard-sampling',
        dataset: name,
        rows: sampled.length,
        seconds: sampleSeconds,
        rowsPerSecond: Math.round(sampled.length / sampleSeconds),
        resampleSeconds,
        peakRssMB: peakRssMB(),
      });
    }
    return { dataset: found.join(', '), rows };
  },
};
