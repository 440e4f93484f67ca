import { access } from 'node:fs/promises';
import path from 'node:path';
import { DataFormatError } from '../../errors.js';
import { nonBlankLines, parseId, readLatin1File, yearFromTitle } from './csv.js';
import type { RatingsFileSpec } from './load.js';
import type { Catalogue, Movie } from './types.js';

/** u.genre of the 1998 release, used when a copy of the dataset lacks that file. */
export const ML100K_GENRES: readonly string[] =
  "unknown|Action|Adventure|Animation|Children's|Comedy|Crime|Documentary|Drama|Fantasy|Film-Noir|Horror|Musical|Mystery|Romance|Sci-Fi|Thriller|War|Western".split(
    '|',
  );

export const ML100K_RATINGS: RatingsFileSpec = {
  file: 'u.data',
  separator: '\t',
  header: null,
  rating: { min: 1, max: 5, step: 1 },
};

/** u.item fields before the genre flags: id, title, release date, video release date, IMDb URL. */
const FIXED_FIELDS = 5;

/** Reads u.item (latin-1, `|`-separated) with genre names from u.genre. */
export async function readMl100kCatalogue(dir: string): Promise<Catalogue> {
  const genres = await readGenres(path.join(dir, 'u.genre'));
  const file = path.join(dir, 'u.item');
  const text = await readLatin1File(file);
  const byId = new Map<number, Movie>();
  for (const { text: row, line } of nonBlankLines(text)) {
    const fields = row.split('|');
    if (fields.length !== FIXED_FIELDS + genres.length) {
      throw new DataFormatError(file, line, `expected ${FIXED_FIELDS + genres.length} fields, found ${fields.length}`);
    }
    const id = parseId(fields[0], file, line, 'movie id');
    if (byId.has(id)) throw new DataFormatError(file, line, `duplicate movie id ${id}`);
    const movieGenres: string[] = [];
    for (let g = 0; g < genres.length; g++) {
      const flag = fields[FIXED_FIELDS + g];
      if (flag === '1') movieGenres.push(genres[g]);
      else if (flag !== '0') throw new DataFormatError(file, line, `genre flag ${genres[g]} is "${flag}", not 0 or 1`);
    }
    const title = fields[1].trim();
    byId.set(id, { id, title, year: yearFromTitle(title) ?? yearFromReleaseDate(fields[2]), genres: movieGenres });
  }
  const movies = [...byId.values()].sort((a, b) => a.id - b.id);
  return { movies, byId, genres: [...genres] };
}

/** Release dates look like `01-Jan-1995`; only a few titles lack the year themselves. */
function yearFromReleaseDate(date: string): number | null {
  const match = /-(\d{4})\s*$/.exec(date);
  return match ? Number(match[1]) : null;
}

async function readGenres(file: string): Promise<readonly string[]> {
  try {
    await access(file);
  } catch {
    return ML100K_GENRES;
  }
  const genres: string[] = [];
  for (const { text, line } of nonBlankLines(await readLatin1File(file))) {
    const fields = text.split('|');
    if (fields.length !== 2) throw new DataFormatError(file, line, `expected 2 fields (name|index), found ${fields.length}`);
    if (fields[1].trim() !== String(genres.length)) {
      throw new DataFormatError(file, line, `genre index "${fields[1]}" out of order, expected ${genres.length}`);
    }
    genres.push(fields[0]);
  }
  if (genres.length === 0) throw new DataFormatError(file, null, 'no genres listed');
  return genres;
}
