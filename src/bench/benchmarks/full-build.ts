import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReelrecError } from '../../errors.js';
import { startServer, stopServer } from '../server-process.js';
import { ensureTasteMovieLens } from '../taste-synthetic.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';
import { freshLoad, freshPicks, HTTP_LOAD, measureLoad, rowOf } from './http.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/**
 * The issue-12 acceptance run: a whole `reelrec build` of a synthetic ml-25m-size catalogue, then
 * fresh picks over HTTP. Not part of `bench all` (it takes an hour or more); run it once per
 * release with `reelrec bench full-build`. REELREC_FULL_BUILD_SIZE=ratings:movies runs a smaller
 * rehearsal (write it elsewhere with --json).
 */
export const FULL_BUILD = {
  ratings: 25_000_000,
  movies: 62_000,
  root: 'bench/tmp/full-build',
  maxMinutes: 90,
  maxRssMB: 12 * 1024,
  p99Ms: 40,
  /** GroupLens' ml-32m, for the extrapolation. */
  ml32m: { ratings: 32_000_204, movies: 87_585 },
} as const;

/** The catalogue to build: REELREC_FULL_BUILD_SIZE=ratings:movies, else ml-25m's size. */
export function fullBuildSize(raw = process.env.REELREC_FULL_BUILD_SIZE): { ratings: number; movies: number } {
  if (!raw) return { ratings: FULL_BUILD.ratings, movies: FULL_BUILD.movies };
  const [ratings, movies] = raw.split(':').map((s) => Number(s.trim()));
  if (!Number.isInteger(ratings) || !Number.isInteger(movies) || (ratings as number) < 1000 || (movies as number) < 100) {
    throw new ReelrecError('bench_size', `REELREC_FULL_BUILD_SIZE: expected ratings:movies (integers ≥ 1000 and ≥ 100), got ${raw}`);
  }
  return { ratings: ratings as number, movies: movies as number };
}

interface BuildRun {
  seconds: number;
  peakRssMB: number | null;
  steps: Array<{ step: string; seconds: number }>;
  log: string;
}

/** Peak resident memory of a process so far (Linux VmHWM, worker threads included); null elsewhere. */
async function peakRssOf(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status ? /VmHWM:\s+(\d+) kB/.exec(status)?.[1] : undefined;
  return kb ? Number(kb) / 1024 : null;
}

/**
 * Runs `reelrec build` as a child process on `movielensDir` into `dataDir`, forwarding its log
 * (progress lines every 30 s) and timing each `reelrec build [n/N]` step from when its line appears.
 */
async function runBuild(movielensDir: string, dataDir: string, logFile: string): Promise<BuildRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'build'], {
    env: {
      ...process.env,
      MOVIELENS_DIR: movielensDir,
      REELREC_DATA_DIR: dataDir,
      REELREC_DATASET: 'ml-25m',
      REELREC_PROGRESS: 'on',
      REELREC_PROGRESS_EVERY: '30',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  const marks: Array<{ step: string; at: number }> = [];
  let tail = '';
  const onChunk = (chunk: Buffer) => {
    const text = chunk.toString();
    log.write(text);
    process.stderr.write(text);
    tail = (tail + text).slice(-4000);
    for (const match of text.matchAll(/reelrec build \[(\d+\/\d+)\] ([^\n]*)/g)) {
      marks.push({ step: `${match[1]} ${match[2]}`, at: performance.now() });
    }
  };
  child.stdout.on('data', onChunk);
  child.stderr.on('data', onChunk);
  let peak: number | null = null;
  const poll = setInterval(() => {
    void peakRssOf(child.pid as number).then((mb) => {
      if (mb !== null) peak = Math.max(peak ?? 0, mb);
    });
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    throw new ReelrecError(
      'bench_build_failed',
      `reelrec build exited ${code}; log in ${logFile}: ${tail.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const ended = performance.now();
  const steps = marks.map((m, n) => ({ step: m.step, seconds: ((marks[n + 1]?.at ?? ended) - m.at) / 1000 }));
  return { seconds: (ended - started) / 1000, peakRssMB: peak, steps, log: logFile };
}

export const fullBuildBenchmark: Benchmark = {
  name: 'full-build',
  description: `a whole reelrec build of a synthetic ml-25m-size catalogue (${FULL_BUILD.ratings} ratings, ${FULL_BUILD.movies} movies), then fresh picks over HTTP`,
  once: true,
  async run({ seed }) {
    const size = fullBuildSize();
    const root = path.resolve(FULL_BUILD.root);
    await mkdir(root, { recursive: true });
    const dataset = await ensureTasteMovieLens(path.join(root, 'data'), size.ratings, { seed, movies: size.movies });
    const dataDir = path.join(root, `build-${size.ratings}-m${size.movies}`);
    await rm(dataDir, { recursive: true, force: true });
    const build = await runBuild(dataset.dir, dataDir, path.join(root, `build-${size.ratings}-m${size.movies}.log`));

    const { url, child } = await startServer(dataset.dir, { REELREC_DATA_DIR: dataDir, REELREC_DATASET: 'ml-25m' });
    const serving: BenchRow[] = [];
    let serverRssMB: number | null = null;
    try {
      const fresh = freshLoad(await freshPicks(url, seed));
      const search = {
        title: 'GET /api/movies?q= (title search, a page of 24)',
        method: 'GET' as const,
        path: '/api/movies?q=story%2012&limit=24',
      };
      for (const load of [fresh, search]) {
        await measureLoad(url, load, HTTP_LOAD.warmupSeconds);
        serving.push(rowOf(load.title, await measureLoad(url, load, HTTP_LOAD.seconds)));
      }
      serverRssMB = await peakRssOf(child.pid as number);
    } finally {
      await stopServer(child);
    }
    await rm(dataDir, { recursive: true, force: true });

    const minutes = build.seconds / 60;
    // An upper bound: every step scaled by the ratings, though NeuMF epochs are capped (epochRows).
    const toMl32m = FULL_BUILD.ml32m.ratings / size.ratings;
    const rows: BenchRow[] = [
      {
        model: 'reelrec build (total)',
        minutes,
        'peak RSS MB': build.peakRssMB,
        ratings: dataset.ratings,
        users: dataset.users,
        movies: dataset.movies,
      },
      ...serving,
      { model: 'server after the loads', 'peak RSS MB': serverRssMB },
      {
        model: `ml-32m (extrapolated: every step × ${toMl32m.toFixed(2)})`,
        minutes: minutes * toMl32m,
        'peak RSS MB': build.peakRssMB === null ? null : build.peakRssMB * toMl32m,
        ratings: FULL_BUILD.ml32m.ratings,
        movies: FULL_BUILD.ml32m.movies,
      },
    ];
    const bars: BenchBar[] = [
      {
        model: 'reelrec build (total)',
        metric: 'minutes',
        max: FULL_BUILD.maxMinutes,
        why: `the build finishes in ≤ ${FULL_BUILD.maxMinutes} min on 2 cores`,
      },
      { model: 'reelrec build (total)', metric: 'peak RSS MB', max: FULL_BUILD.maxRssMB, why: 'at ≤ 12 GB peak RSS' },
      {
        model: 'POST /api/recommend (distinct picks)',
        metric: 'p99 ms',
        max: FULL_BUILD.p99Ms,
        why: `fresh picks at p99 ≤ ${FULL_BUILD.p99Ms} ms through HTTP`,
      },
      { model: 'POST /api/recommend (distinct picks)', metric: 'errors', max: 0, why: 'no errors' },
      { model: 'POST /api/recommend (distinct picks)', metric: 'non2xx', max: 0, why: 'no non-2xx' },
    ];
    return {
      dataset: `${path.basename(dataset.dir)} (${dataset.ratings} ratings, ${dataset.users} users, ${dataset.movies} movies, taste-synthetic)`,
      rows,
      bars,
      tables: [
        {
          title: 'Build steps',
          rows: build.steps.map((s) => ({ model: s.step, seconds: s.seconds, 'share of build': s.seconds / build.seconds })),
        },
      ],
      details: { log: path.relative(process.cwd(), build.log), load: HTTP_LOAD, datasetWriteSeconds: dataset.seconds },
    };
  },
};
