import { access } from 'node:fs/promises';
import path from 'node:path';
import { DataFormatError } from '../../errors.js';
import { normaliseImdbId, parseId, parseOptionalTmdbId, readCsvTable, readUtf8File, yearFromTitle } from './csv.js';
import type { RatingsFileSpec } from './load.js';
import { splitGenres } from './ml-1m.js';
import type { Catalogue, Movie } from './types.js';

/** ml-latest, ml-latest-small, ml-20m, ml-25m and ml-32m share this layout. */
export const ML_LATEST_RATINGS: RatingsFileSpec = {
  file: 'ratings.csv',
  separator: ',',
  header: 'userId,movieId,rating,timestamp',
  rating: { min: 0.5, max: 5, step: 0.5 },
};

/** Reads movies.csv, then the optional links.csv (IMDb/TMDB ids) and tags.csv (user tags). */
export async function readMlLatestCatalogue(dir: string): Promise<Catalogue> {
  const catalogue = await readMovies(path.join(dir, 'movies.csv'));
  const links = path.join(dir, 'links.csv');
  if (await exists(links)) await readLinks(links, catalogue.byId);
  const tags = path.join(dir, 'tags.csv');
  if (await exists(tags)) await readTags(tags, catalogue.byId);
  return catalogue;
}

async function readMovies(file: string): Promise<Catalogue> {
  const table = readCsvTable(await readUtf8File(file), file, ['movieId', 'title', 'genres']);
  const [idCol, titleCol, genresCol] = ['movieId', 'title', 'genres'].map(table.column);
  const byId = new Map<number, Movie>();
  const vocabulary = new Set<string>();
  for (const { fields, line } of table.rows) {
    const id = parseId(fields[idCol], file, line, 'movieId');
    if (byId.has(id)) throw new DataFormatError(file, line, `duplicate movie id ${id}`);
    const genres = splitGenres(fields[genresCol]);
    for (const genre of genres) vocabulary.add(genre);
    const title = fields[titleCol].trim();
    byId.set(id, { id, title, year: yearFromTitle(title), genres });
  }
  const movies = [...byId.values()].sort((a, b) => a.id - b.id);
  return { movies, byId, genres: [...vocabulary] };
}

async function readLinks(file: string, byId: Map<number, Movie>): Promise<void> {
  const table = readCsvTable(await readUtf8File(file), file, ['movieId', 'imdbId', 'tmdbId']);
  const [idCol, imdbCol, tmdbCol] = ['movieId', 'imdbId', 'tmdbId'].map(table.column);
  for (const { fields, line } of table.rows) {
    const movie = knownMovie(byId, parseId(fields[idCol], file, line, 'movieId'), file, line);
    const imdbId = normaliseImdbId(fields[imdbCol], file, line);
    const tmdbId = parseOptionalTmdbId(fields[tmdbCol], file, line);
    // Absent ids stay absent (not `undefined` properties) so movies serialise and compare cleanly.
    if (imdbId !== undefined) movie.imdbId = imdbId;
    if (tmdbId !== undefined) movie.tmdbId = tmdbId;
  }
}

async function readTags(file: string, byId: Map<number, Movie>): Promise<void> {
  const table = readCsvTable(await readUtf8File(file), file, ['userId', 'movieId', 'tag', 'timestamp']);
  const [userCol, idCol, tagCol] = ['userId', 'movieId', 'tag'].map(table.column);
  const seen = new Map<Movie, Set<string>>();
  for (const { fields, line } of table.rows) {
    parseId(fields[userCol], file, line, 'userId');
    const movie = knownMovie(byId, parseId(fields[idCol], file, line, 'movieId'), file, line);
    const tag = fields[tagCol].trim().toLowerCase();
    if (tag === '') continue;
    let tags = seen.get(movie);
    if (!tags) {
      tags = new Set(movie.tags);
      seen.set(movie, tags);
    }
    tags.add(tag);
  }
  for (const [movie, tags] of seen) movie.tags = [...tags];
}

function knownMovie(byId: Map<number, Movie>, id: number, file: string, line: number): Movie {
  const movie = byId.get(id);
  if (!movie) throw new DataFormatError(file, line, `movie id ${id} is not in the catalogue`);
  return movie;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
