import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetNotFoundError } from '../../errors.js';
import type { MovieLensFormat } from './types.js';

/** The files that identify each layout; the first layout whose files are all present wins. */
export const FORMAT_FILES: ReadonlyArray<{ format: MovieLensFormat; files: readonly string[] }> = [
  { format: 'ml-100k', files: ['u.data', 'u.item'] },
  { format: 'ml-1m', files: ['ratings.dat', 'movies.dat'] },
  { format: 'ml-latest', files: ['ratings.csv', 'movies.csv'] },
];

/** Recognises a MovieLens folder by its file names, without reading the files. */
export async function detectFormat(dir: string): Promise<MovieLensFormat> {
  const names = await listFolder(dir);
  const match = FORMAT_FILES.find(({ files }) => files.every((file) => names.has(file)));
  if (match) return match.format;

  const partial = FORMAT_FILES.find(({ files }) => files.some((file) => names.has(file)));
  if (partial) {
    const missing = partial.files.filter((file) => !names.has(file));
    throw new DatasetNotFoundError(dir, `looks like ${partial.format} but ${missing.join(' and ')} is missing`);
  }
  const looked = FORMAT_FILES.map(({ format, files }) => `${files.join(' + ')} (${format})`).join(', ');
  // Unzipping an archive often leaves the dataset one level down, e.g. data/ml-100k/ml-100k.
  const nested = await nestedDatasetHint(dir, names);
  throw new DatasetNotFoundError(dir, `no MovieLens files found; looked for ${looked}${nested}`);
}

async function listFolder(dir: string): Promise<Set<string>> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new DatasetNotFoundError(dir, 'folder does not exist');
  if (!info.isDirectory()) throw new DatasetNotFoundError(dir, 'is not a folder');
  return new Set(await readdir(dir));
}

async function nestedDatasetHint(dir: string, names: Set<string>): Promise<string> {
  for (const name of [...names].sort()) {
    const sub = path.join(dir, name);
    let inner: string[];
    try {
      inner = await readdir(sub);
    } catch {
      continue;
    }
    if (FORMAT_FILES.some(({ files }) => files.every((file) => inner.includes(file)))) {
      return `; did you mean ${sub}?`;
    }
  }
  return '';
}
