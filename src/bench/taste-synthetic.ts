import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { startProgress } from '../progress.js';
import { createRng, type Rng } from '../recsys/random.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * A synthetic ml-latest-layout folder in which taste is real, for scaling benchmarks: unlike
 * `synthetic.ts` (uniformly random ratings), every user loves a few genres and dislikes one, and
 * both what they rate and how they rate it follow that taste and the movie's popularity. Nothing
 * here is MovieLens data; titles are invented.
 *
 * Bump `GENERATOR` whenever a rule or constant below changes: it names the cache folder, so an
 * old folder is never mistaken for a new one.
 */
export const GENERATOR = 'taste-v1';

/** The 18 ml-latest genres, with roughly their share of ml-latest's genre tags. */
export const TASTE_GENRES: ReadonlyArray<{ name: string; share: number }> = [
  { name: 'Drama', share: 0.25 },
  { name: 'Comedy', share: 0.17 },
  { name: 'Thriller', share: 0.08 },
  { name: 'Romance', share: 0.07 },
  { name: 'Action', share: 0.07 },
  { name: 'Horror', share: 0.05 },
  { name: 'Crime', share: 0.05 },
  { name: 'Documentary', share: 0.05 },
  { name: 'Adventure', share: 0.04 },
  { name: 'Sci-Fi', share: 0.03 },
  { name: 'Mystery', share: 0.025 },
  { name: 'Fantasy', share: 0.025 },
  { name: 'Children', share: 0.025 },
  { name: 'Animation', share: 0.025 },
  { name: 'War', share: 0.015 },
  { name: 'Musical', share: 0.01 },
  { name: 'Western', share: 0.01 },
  { name: 'Film-Noir', share: 0.005 },
];

/** The knobs of the generative model; fixed, so a (ratings, seed) pair always gives the same files. */
export const TASTE_MODEL = {
  ratingsPerUser: 160,
  /** Every user rates at least this many movies (as in MovieLens); the rest is exponential. */
  minRatingsPerUser: 20,
  ratingsPerMovie: 100,
  minMovies: 500,
  maxMovies: 40_000,
  /** Popularity of the movie at rank r ∝ 1 / (r + offset)^exponent. */
  zipf: { exponent: 1, offset: 20 },
  /** How strongly affinity decides what gets rated: accepted with exp(β (affinity − 1)), capped at 1. */
  choiceSharpness: 1.5,
  /** Genre weight in a user's taste. */
  loved: 1,
  disliked: -1.5,
  /** Other genres: a mild personal preference, N(0, σ). */
  otherSd: 0.25,
  /** rating* = mean + user bias + movie bias + slope × affinity + noise, then rounded. */
  meanRating: 3.25,
  userBiasSd: 0.35,
  movieBiasSd: 0.3,
  /** Popular movies are rated a little higher: + popularityLift × (½ − rank / movies). */
  popularityLift: 0.3,
  affinitySlope: 0.9,
  noiseSd: 0.8,
  /** Share of ratings rounded to a whole star (the rest to a half star), as people mostly give whole stars. */
  wholeStarShare: 0.7,
} as const;

export interface TastePlan {
  /** Target number of ratings (written exactly). */
  ratings: number;
  movies: number;
  /** Expected number of users (the exact number depends on the draws). */
  expectedUsers: number;
}

/** `movies` overrides the catalogue size the model would pick (e.g. ml-25m's 62,000 at 25 M ratings). */
export function tastePlan(ratings: number, movies?: number): TastePlan {
  if (!Number.isInteger(ratings) || ratings < 1) throw new RangeError(`ratings must be a positive integer, got ${ratings}`);
  if (movies !== undefined && (!Number.isInteger(movies) || movies < 2))
    throw new RangeError(`movies must be an integer ≥ 2, got ${movies}`);
  const m = TASTE_MODEL;
  movies ??= Math.min(m.maxMovies, Math.max(m.minMovies, Math.round(ratings / m.ratingsPerMovie)));
  return { ratings, movies, expectedUsers: Math.max(1, Math.round(ratings / m.ratingsPerUser)) };
}

/** The planted truth, written beside the CSVs as `taste.json` (user i is userId i + 1). */
export interface TasteTruth {
  generator: string;
  seed: number;
  ratings: number;
  users: number;
  movies: number;
  genres: string[];
  /** Genre indices each user loves (2–3). */
  loved: number[][];
  /** The genre index each user dislikes. */
  disliked: number[];
}

export interface TasteDataset {
  dir: string;
  ratings: number;
  users: number;
  movies: number;
  seed: number;
  /** True when the folder was already there and nothing was written. */
  reused: boolean;
  /** Seconds spent writing (0 when reused). */
  seconds: number;
}

export const TRUTH_FILE = 'taste.json';

/**
 * Writes (or finds) `<root>/<GENERATOR>-<ratings>[-m<movies>]-s<seed>/` with movies.csv, ratings.csv (CRLF,
 * sorted by user then movie, like ml-latest) and taste.json. The folder appears atomically: files
 * are written into a temporary sibling that is renamed into place once complete.
 */
export async function ensureTasteMovieLens(
  root: string,
  ratings: number,
  options: { seed?: number; progress?: boolean; movies?: number } = {},
): Promise<TasteDataset> {
  const seed = options.seed ?? 42;
  const plan = tastePlan(ratings, options.movies);
  const size = options.movies === undefined ? `${ratings}` : `${ratings}-m${options.movies}`;
  const dir = path.join(path.resolve(root), `${GENERATOR}-${size}-s${seed}`);
  if (existsSync(path.join(dir, 'ratings.csv')) && existsSync(path.join(dir, TRUTH_FILE))) {
    const truth = await readTasteTruth(dir);
    return { dir, ratings: truth.ratings, users: truth.users, movies: truth.movies, seed, reused: true, seconds: 0 };
  }
  const started = performance.now();
  const work = `${dir}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const progress = startProgress(`writing taste-synthetic ratings.csv (${ratings} ratings)`, ratings, 'rows', options.progress ?? true);
  try {
    const world = createWorld(plan, createRng(seed));
    await writeFileAtomic(path.join(work, 'movies.csv'), movieLines(world));
    const truth: TasteTruth = {
      generator: GENERATOR,
      seed,
      ratings,
      users: 0,
      movies: plan.movies,
      genres: TASTE_GENRES.map((g) => g.name),
      loved: [],
      disliked: [],
    };
    await writeFileAtomic(path.join(work, 'ratings.csv'), ratingLines(world, truth, progress));
    await writeFileAtomic(path.join(work, TRUTH_FILE), [`${JSON.stringify(truth)}\n`]);
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    return { dir, ratings, users: truth.users, movies: plan.movies, seed, reused: false, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  } finally {
    progress.stop();
  }
}

export async function readTasteTruth(dir: string): Promise<TasteTruth> {
  return JSON.parse(await readFile(path.join(dir, TRUTH_FILE), 'utf8')) as TasteTruth;
}

/** Movies with their genres, popularity and quality, drawn once before any user. */
interface World {
  plan: TastePlan;
  rng: Rng;
  /** Up to 3 genre indices per movie (255 = none), movie m at [3m, 3m + 3). */
  genres: Uint8Array;
  genreCount: Uint8Array;
  /** Cumulative popularity over movies (last entry 1), for drawing a movie by popularity. */
  cdf: Float64Array;
  /** Per movie: its bias (quality + the popularity lift). */
  movieBias: Float32Array;
  years: Uint16Array;
}

function createWorld(plan: TastePlan, rng: Rng): World {
  const M = plan.movies;
  const m = TASTE_MODEL;
  const genres = new Uint8Array(M * 3).fill(255);
  const genreCount = new Uint8Array(M);
  const shares = TASTE_GENRES.map((g) => g.share);
  for (let j = 0; j < M; j++) {
    const u = rng.next();
    const k = u < 0.5 ? 1 : u < 0.85 ? 2 : 3;
    const picked = drawDistinct(rng, shares, k);
    picked.forEach((g, i) => {
      genres[j * 3 + i] = g;
    });
    genreCount[j] = picked.length;
  }
  // Popularity ranks are a random permutation, so ids say nothing about popularity.
  const rank = rng.shuffle(Uint32Array.from({ length: M }, (_, j) => j));
  const weight = new Float64Array(M);
  let total = 0;
  for (let j = 0; j < M; j++) {
    weight[j] = 1 / ((rank[j] as number) + m.zipf.offset) ** m.zipf.exponent;
    total += weight[j] as number;
  }
  const cdf = new Float64Array(M);
  let acc = 0;
  for (let j = 0; j < M; j++) {
    acc += (weight[j] as number) / total;
    cdf[j] = acc;
  }
  cdf[M - 1] = 1;
  const movieBias = new Float32Array(M);
  const years = new Uint16Array(M);
  for (let j = 0; j < M; j++) {
    movieBias[j] = m.movieBiasSd * normal(rng) + m.popularityLift * (0.5 - (rank[j] as number) / M);
    years[j] = 1920 + rng.int(104);
  }
  return { plan, rng, genres, genreCount, cdf, movieBias, years };
}

function* movieLines(world: World): Generator<string> {
  yield 'movieId,title,genres\r\n';
  const lines: string[] = [];
  for (let j = 0; j < world.plan.movies; j++) {
    const names: string[] = [];
    for (let i = 0; i < (world.genreCount[j] as number); i++) names.push(TASTE_GENRES[world.genres[j * 3 + i] as number]?.name ?? '');
    const lead = names[0] ?? 'Film';
    // Every seventh title is quoted with a comma inside, as ml-latest writes "Title, The (year)".
    const title = j % 7 === 3 ? `"${lead} Story ${j + 1}, The (${world.years[j]})"` : `${lead} Story ${j + 1} (${world.years[j]})`;
    lines.push(`${j + 1},${title},${names.join('|')}\r\n`);
    if (lines.length === 1000) yield lines.splice(0).join('');
  }
  if (lines.length > 0) yield lines.join('');
}

/** Streams ratings user by user until exactly `plan.ratings` are written; fills `truth` on the way. */
function* ratingLines(world: World, truth: TasteTruth, progress: { update(n: number): void }): Generator<string> {
  const { plan, rng, genres, genreCount, cdf, movieBias } = world;
  const m = TASTE_MODEL;
  const G = TASTE_GENRES.length;
  const M = plan.movies;
  // Loved genres lean toward common ones (share^½), so not everybody loves Drama.
  const lovedShares = TASTE_GENRES.map((g) => Math.sqrt(g.share));
  const cap = Math.max(m.minRatingsPerUser, Math.min(3000, Math.floor(M / 2)));
  const taste = new Float64Array(G);
  const seen = new Uint8Array(M);
  const picked: number[] = [];
  const values: number[] = [];
  let written = 0;
  yield 'userId,movieId,rating,timestamp\r\n';
  for (let user = 1; written < plan.ratings; user++) {
    const loved = drawDistinct(rng, lovedShares, 2 + rng.int(2));
    const others = Array.from({ length: G }, (_, g) => g).filter((g) => !loved.includes(g));
    const disliked = others[rng.int(others.length)] as number;
    truth.loved.push(loved);
    truth.disliked.push(disliked);
    for (let g = 0; g < G; g++) taste[g] = m.otherSd * normal(rng);
    for (const g of loved) taste[g] = m.loved;
    taste[disliked] = m.disliked;
    const userBias = m.userBiasSd * normal(rng);
    const wanted = Math.min(
      plan.ratings - written,
      Math.min(cap, m.minRatingsPerUser + Math.floor(-Math.log(1 - rng.next()) * (m.ratingsPerUser - m.minRatingsPerUser))),
    );
    picked.length = 0;
    values.length = 0;
    // Draw by popularity, keep with a probability that rises with affinity: people rate what they like.
    for (let tries = 0; picked.length < wanted && tries < wanted * 400; tries++) {
      const j = drawCdf(cdf, rng.next());
      if (seen[j] === 1) continue;
      const affinity = affinityOf(taste, genres, genreCount, j);
      if (rng.next() >= Math.min(1, Math.exp(m.choiceSharpness * (affinity - 1)))) continue;
      seen[j] = 1;
      picked.push(j);
      const raw = m.meanRating + userBias + (movieBias[j] as number) + m.affinitySlope * affinity + m.noiseSd * normal(rng);
      const step = rng.next() < m.wholeStarShare ? 1 : 0.5;
      values.push(Math.min(5, Math.max(0.5, step === 1 ? Math.max(1, Math.round(raw)) : Math.round(raw * 2) / 2)));
    }
    // ml-latest lists a user's ratings by movie id; timestamps walk forward from a per-user start.
    const order = Array.from(picked.keys()).sort((a, b) => (picked[a] as number) - (picked[b] as number));
    let time = 1_000_000_000 + rng.int(600_000_000);
    const lines: string[] = [];
    for (const k of order) {
      time += rng.int(3 * 86_400);
      lines.push(`${user},${(picked[k] as number) + 1},${values[k]},${time}\r\n`);
    }
    for (const j of picked) seen[j] = 0;
    written += picked.length;
    truth.users = user;
    progress.update(written);
    if (lines.length > 0) yield lines.join('');
  }
}

/** The user's mean genre weight over the movie's genres. */
function affinityOf(taste: Float64Array, genres: Uint8Array, genreCount: Uint8Array, j: number): number {
  const n = genreCount[j] as number;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += taste[genres[j * 3 + i] as number] as number;
  return n === 0 ? 0 : sum / n;
}

function drawCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `k` distinct indices drawn with probability ∝ weights (without replacement). */
function drawDistinct(rng: Rng, weights: readonly number[], k: number): number[] {
  const out: number[] = [];
  const w = weights.slice();
  for (let n = 0; n < k; n++) {
    const total = w.reduce((a, b) => a + b, 0);
    let u = rng.next() * total;
    let pick = w.length - 1;
    while (pick > 0 && (w[pick] as number) <= 0) pick--;
    for (let i = 0; i < w.length; i++) {
      u -= w[i] as number;
      if (u < 0 && (w[i] as number) > 0) {
        pick = i;
        break;
      }
    }
    out.push(pick);
    w[pick] = 0;
  }
  return out;
}

/** Standard normal draw (Box–Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
