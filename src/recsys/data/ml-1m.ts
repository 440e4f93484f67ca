import path from 'node:path';
import { DataFormatError } from '../../errors.js';
import { nonBlankLines, parseId, readLatin1File, yearFromTitle } from './csv.js';
import type { RatingsFileSpec } from './load.js';
import type { Catalogue, Movie } from './types.js';

export const ML1M_RATINGS: RatingsFileSpec = {
  file: 'ratings.dat',
  separator: '::',
  header: null,
  rating: { min: 1, max: 5, step: 1 },
};

/** Reads movies.dat: `MovieID::Title::Genres`, genres `|`-separated, latin-1 as in the official release. */
export async function readMl1mCatalogue(dir: string): Promise<Catalogue> {
  const file = path.join(dir, 'movies.dat');
  const text = await readLatin1File(file);
  const byId = new Map<number, Movie>();
  const vocabulary = new Set<string>();
  for (const { text: row, line } of nonBlankLines(text)) {
    const fields = row.split('::');
    if (fields.length !== 3) throw new DataFormatError(file, line, `expected 3 fields, found ${fields.length}`);
    const id = parseId(fields[0], file, line, 'movie id');
    if (byId.has(id)) throw new DataFormatError(file, line, `duplicate movie id ${id}`);
    const genres = splitGenres(fields[2]);
    for (const genre of genres) vocabulary.add(genre);
    const title = fields[1].trim();
    byId.set(id, { id, title, year: yearFromTitle(title), genres });
  }
  const movies = [...byId.values()].sort((a, b) => a.id - b.id);
  return { movies, byId, genres: [...vocabulary] };
}

/** Shared with ml-latest: `|`-separated, where `(no genres listed)` stands for none. */
export function splitGenres(field: string): string[] {
  const trimmed = field.trim();
  if (trimmed === '' || trimmed === '(no genres listed)') return [];
  return trimmed.split('|').filter((genre) => genre !== '');
}
