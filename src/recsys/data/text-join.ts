import { stat } from 'node:fs/promises';
import { DataFormatError, DatasetNotFoundError } from '../../errors.js';
import { normaliseImdbId, parseId, parseOptionalTmdbId, readCsvTable, readUtf8File } from './csv.js';
import type { Catalogue, TextJoinStats } from './types.js';

/** Key columns the metadata CSVs use: ml-latest style `movieId`, ml-100k style `item_id`. */
const KEY_COLUMNS = ['movieId', 'item_id'] as const;
/** Plot text columns in order of preference: TMDB overviews are longer than IMDb one-liners. */
const TEXT_COLUMNS = ['overview', 'tmdb_overview', 'imdb_description'] as const;
const IMDB_COLUMNS = ['imdbId', 'imdb_id'] as const;
const TMDB_COLUMNS = ['tmdbId', 'tmdb_id'] as const;

export interface TextJoinResult {
  stats: TextJoinStats;
  /** Rows whose key is not a catalogue movie (e.g. a text file made for another dataset version). */
  unknownRows: number;
}

/**
 * Fills overview, poster path and missing IMDb/TMDB ids from a metadata CSV keyed by movie id.
 * Ids already known (from links.csv) win over the file's, which may come from a looser title match.
 */
export async function joinTextFile(catalogue: Catalogue, file: string): Promise<TextJoinResult> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new DatasetNotFoundError(file, 'text file does not exist');
  const text = await readUtf8File(file);
  const table = readCsvTable(text, file, []);
  const key = KEY_COLUMNS.find((name) => table.header.includes(name));
  if (!key) {
    throw new DataFormatError(file, 1, `missing header: expected a key column ${KEY_COLUMNS.join(' or ')}`);
  }
  const keyCol = table.column(key);
  const textCols = TEXT_COLUMNS.map(table.column).filter((col) => col >= 0);
  const posterCol = table.column('poster_path');
  const imdbCol = firstColumn(table.column, IMDB_COLUMNS);
  const tmdbCol = firstColumn(table.column, TMDB_COLUMNS);

  const firstLine = new Map<number, number>();
  let unknownRows = 0;
  for (const { fields, line } of table.rows) {
    const id = parseId(fields[keyCol].trim(), file, line, key);
    const previous = firstLine.get(id);
    if (previous !== undefined) throw new DataFormatError(file, line, `duplicate ${key} ${id} (first on line ${previous})`);
    firstLine.set(id, line);
    const movie = catalogue.byId.get(id);
    if (!movie) {
      unknownRows++;
      continue;
    }
    const overview = textCols.map((col) => fields[col].trim()).find((value) => value !== '');
    if (overview !== undefined) movie.overview = overview;
    const poster = posterCol >= 0 ? fields[posterCol].trim() : '';
    if (poster !== '') movie.posterPath = poster;
    if (imdbCol >= 0 && movie.imdbId === undefined) {
      const imdbId = normaliseImdbId(fields[imdbCol], file, line);
      if (imdbId !== undefined) movie.imdbId = imdbId;
    }
    if (tmdbCol >= 0 && movie.tmdbId === undefined) {
      const tmdbId = parseOptionalTmdbId(fields[tmdbCol], file, line);
      if (tmdbId !== undefined) movie.tmdbId = tmdbId;
    }
  }
  return { stats: textStats(catalogue, file), unknownRows };
}

/** Coverage of the catalogue: `movies` is the catalogue size, so coverage is withOverview / movies. */
export function textStats(catalogue: Catalogue, file: string | null): TextJoinStats {
  let withOverview = 0;
  let withPoster = 0;
  for (const movie of catalogue.movies) {
    if (movie.overview) withOverview++;
    if (movie.posterPath) withPoster++;
  }
  return { file, movies: catalogue.movies.length, withOverview, withPoster };
}

function firstColumn(column: (name: string) => number, names: readonly string[]): number {
  for (const name of names) {
    const col = column(name);
    if (col >= 0) return col;
  }
  return -1;
}
