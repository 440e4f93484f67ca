import { ReelrecError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { Catalogue } from '../data/types.js';
import type { GenreDataset } from './genre-dataset.js';

const ROWS_PER_CHUNK = 50_000;

/** RFC 4180: a field holding a comma, quote or line break is quoted, with inner quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Writes the seed's genre CSV `userid,movieid,interaction,genre,movie title`, with dataset ids
 * (not dense indices) and genre names. `ratingsIds` are the id maps of the table the dataset was
 * built from (a RatingsTable fits). Written atomically, so a crash never leaves half a file.
 */
export async function exportGenreDataset(
  dataset: GenreDataset,
  catalogue: Catalogue,
  ratingsIds: { userIds: Int32Array; itemIds: Int32Array },
  file: string,
): Promise<void> {
  const { userIds, itemIds } = ratingsIds;
  if (itemIds.length !== catalogue.movies.length) {
    throw new ReelrecError('catalogue_mismatch', `ratings index ${itemIds.length} items but the catalogue has ${catalogue.movies.length}`);
  }
  const genreField = dataset.genreNames.map(csvField);
  function* chunks(): Generator<string> {
    yield 'userid,movieid,interaction,genre,movie title\n';
    for (let start = 0; start < dataset.length; start += ROWS_PER_CHUNK) {
      const end = Math.min(start + ROWS_PER_CHUNK, dataset.length);
      const lines: string[] = [];
      for (let r = start; r < end; r++) {
        const j = dataset.item[r];
        const title = catalogue.movies[j]?.title ?? '';
        lines.push(
          `${userIds[dataset.user[r]]},${itemIds[j]},${dataset.interaction[r]},${genreField[dataset.genre[r]]},${csvField(title)}\n`,
        );
      }
      yield lines.join('');
    }
  }
  await writeFileAtomic(file, chunks());
}
