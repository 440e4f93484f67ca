import { startProgress } from '../../progress.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { SampledDataset } from './hard-sampling.js';

const ROWS_PER_CHUNK = 50_000;

/**
 * Writes the seed's format `index,userid,movieid,interaction,rating` with dataset ids (not dense
 * indices) and an empty rating for unrated sampled negatives. Written atomically.
 */
export async function writeSampledCsv(dataset: SampledDataset, file: string): Promise<void> {
  const progress = startProgress('writing samples', dataset.length, 'rows');
  function* chunks(): Generator<string> {
    yield 'index,userid,movieid,interaction,rating\n';
    for (let start = 0; start < dataset.length; start += ROWS_PER_CHUNK) {
      const end = Math.min(start + ROWS_PER_CHUNK, dataset.length);
      const lines: string[] = [];
      for (let r = start; r < end; r++) {
        const rating = dataset.rating[r];
        lines.push(
          `${r},${dataset.userIds[dataset.user[r]]},${dataset.itemIds[dataset.item[r]]},${dataset.interaction[r]},${Number.isNaN(rating) ? '' : rating}\n`,
        );
      }
      progress.update(end);
      yield lines.join('');
    }
  }
  try {
    await writeFileAtomic(file, chunks());
  } finally {
    progress.stop();
  }
}
