import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { startProgress } from '../progress.js';
import { createRng } from '../recsys/random.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const GENRES = ['Action', 'Adventure', 'Animation', 'Comedy', 'Crime', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Thriller'];

/**
 * Writes an ml-latest-layout folder (movies.csv + CRLF ratings.csv with half-star ratings) of
 * `ratings` rows, shaped like ml-32m (≈160 ratings per user, Zipf-ish movie popularity), for
 * load/sampling scale tests. Reused when it already exists; it is synthetic, never MovieLens data.
 */
export async function ensureSyntheticMovieLens(root: string, ratings: number, seed = 7): Promise<string> {
  const dir = path.join(root, `synthetic-${ratings}`);
  if (existsSync(path.join(dir, 'ratings.csv'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  await mkdir(work, { recursive: true });
  const movies = Math.max(100, Math.round(ratings / 365));
  const users = Math.max(10, Math.round(ratings / 160));
  const rng = createRng(seed);
  await writeFileAtomic(
    path.join(work, 'movies.csv'),
    (function* () {
      yield 'movieId,title,genres\r\n';
      for (let m = 1; m <= movies; m++)
        yield `${m},"Movie ${m}, The (${1950 + (m % 70)})",${GENRES[m % GENRES.length]}|${GENRES[(m * 7) % GENRES.length]}\r\n`;
    })(),
  );
  const progress = startProgress('writing synthetic ratings.csv', ratings, 'rows');
  const perUser = Math.ceil(ratings / users);
  await writeFileAtomic(
    path.join(work, 'ratings.csv'),
    (function* () {
      yield 'userId,movieId,rating,timestamp\r\n';
      let written = 0;
      for (let u = 1; written < ratings; u++) {
        const lines: string[] = [];
        for (let k = 0; k < perUser && written < ratings; k++, written++) {
          // Squaring a uniform draw skews toward low ids: a few popular movies, a long tail.
          const movie = 1 + Math.floor(rng.next() ** 2 * movies);
          const rating = (1 + rng.int(10)) / 2;
          lines.push(`${u},${movie},${rating},${1_000_000_000 + written}\r\n`);
        }
        progress.update(written);
        yield lines.join('');
      }
    })(),
  );
  progress.stop();
  await rename(work, dir);
  return dir;
}
