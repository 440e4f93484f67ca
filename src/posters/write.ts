import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ReelrecError } from '../errors.js';
import { startProgress } from '../progress.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type PosterMovie, posterSvg } from './svg.js';

export interface WritePostersOptions {
  /** Progress bar on stderr; default true. */
  progress?: boolean;
  /** Files written at the same time; default 16. */
  concurrency?: number;
}

export interface WritePostersResult {
  dir: string;
  written: number;
}

/** The file name of a movie's poster; refuses ids that are not positive integers (they become file names). */
export function posterFileName(id: number): string {
  if (!Number.isSafeInteger(id) || id <= 0) throw new ReelrecError('invalid_movie_id', `movie id ${id} cannot name a poster file`);
  return `${id}.svg`;
}

/** Writes `<dir>/<id>.svg` for every movie, each file atomically (a reader never sees half a poster). */
export async function writePosters(
  movies: readonly PosterMovie[],
  dir: string,
  options: WritePostersOptions = {},
): Promise<WritePostersResult> {
  const out = path.resolve(dir);
  await mkdir(out, { recursive: true });
  const names = movies.map((movie) => posterFileName(movie.id));
  const progress = startProgress('posters', movies.length, 'posters', options.progress ?? true);
  let next = 0;
  const worker = async () => {
    while (next < movies.length) {
      const i = next++;
      await writeFileAtomic(path.join(out, names[i] as string), [posterSvg(movies[i] as PosterMovie)]);
      progress.increment();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 16, movies.length)) }, worker));
  } finally {
    progress.stop();
  }
  return { dir: out, written: movies.length };
}
