import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.js';
import { ReelrecError } from '../src/errors.js';
import { attachKernels, kernelsFor, placeInKernelMemory, sharedBytes } from '../src/service/kernels/index.js';
import { movieSummary } from '../src/service/movie-summary.js';
import { type PiecesService, serviceFromPieces } from '../src/service/parts.js';
import { answerOf, createRanker } from '../src/service/rank.js';
import { DEFAULT_RANK_WORKER_URL, startRankPool } from '../src/service/rank-pool.js';
import { rankingModelOf } from '../src/service/service.js';
import type { RecommendationService, RecommendFromLikesInput } from '../src/service/types.js';
import { createTestServiceBundle, type TestServiceBundle } from './helpers/service.js';

/** Tests run the TypeScript sources; the pool's workers load the entry global-setup built into dist/. */
// The pool's default: under vitest, the built worker in dist/ (a worker thread cannot load TypeScript).
const WORKER_URL = DEFAULT_RANK_WORKER_URL;
const CRASHING_WORKER_URL = new URL('./fixtures/crashing-rank-worker.mjs', import.meta.url);

let bundle: TestServiceBundle;
let pooled: PiecesService;

beforeAll(async () => {
  bundle = await createTestServiceBundle();
  pooled = await pieces({ workers: 2, workerUrl: WORKER_URL });
});

afterAll(async () => {
  await pooled?.close();
});

function pieces(ranking: { workers: number; workerUrl?: URL }): Promise<PiecesService> {
  const { data, neumf, parts, artifact, service } = bundle;
  return serviceFromPieces({ data, neumf, movies: parts.movies, artifact, embedder: service.info().embedder }, ranking);
}

/** Fresh requests of every shape: no picks, one, several, with dislikes, genres and exclusions. */
const REQUESTS: RecommendFromLikesInput[] = [
  { liked: [] },
  { liked: [4] },
  { liked: [4, 10, 16], k: 5 },
  { liked: [1, 7, 13, 19, 25], disliked: [4, 10] },
  { liked: [2, 8, 14, 20, 26, 32, 38, 44, 50, 56, 62], k: 20 },
  { liked: [3, 9], genres: ['Horror'], exclude: [15, 21] },
];

/** `value` with every typed array copied into an ordinary ArrayBuffer (out of any kernel memory). */
function ordinaryCopy<T>(value: T): T {
  if (ArrayBuffer.isView(value)) return (value as unknown as Uint8Array).slice() as T;
  if (Array.isArray(value)) return value.map(ordinaryCopy) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ordinaryCopy(v)])) as T;
  return value;
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(ReelrecError);
    return (error as ReelrecError).code;
  }
  throw new Error('expected a ReelrecError');
}

describe('pooled ranking', () => {
  it('answers exactly what the inline service answers', async () => {
    expect(pooled.ranking.pool?.stats().workers).toBe(2);
    for (const request of REQUESTS) {
      const answer = await pooled.service.recommendFromLikes(request);
      expect(answer).toEqual(await bundle.service.recommendFromLikes(request));
      // The movies are the service's own summaries, not copies made by the worker's message.
      for (const { movie } of answer.items) expect(movie).toBe(pooled.service.getMovie(movie.id));
    }
  });

  it('answers many concurrent fresh requests, each with its own inline answer', async () => {
    const requests = Array.from({ length: 24 }, (_, i) => ({ liked: [1 + (i % 72), 1 + ((i * 7) % 72), 1 + ((i * 13) % 72)], k: 7 }));
    const answers = await Promise.all(requests.map((r) => pooled.service.recommendFromLikes(r)));
    for (const [i, request] of requests.entries()) expect(answers[i]).toEqual(await bundle.service.recommendFromLikes(request));
  });

  it('rejects bad input with the same codes before any worker sees it', async () => {
    const bad: RecommendFromLikesInput[] = [
      { liked: [999_999] },
      { liked: [4], k: 0 },
      { liked: [4], k: 51 },
      { liked: [4], genres: ['Not A Genre'] },
      { liked: [4, 10], disliked: [10] },
    ];
    const before = pooled.ranking.pool?.stats().started;
    for (const request of bad) {
      const inline = await codeOf(() => bundle.service.recommendFromLikes(request));
      expect(await codeOf(() => pooled.service.recommendFromLikes(request))).toBe(inline);
    }
    expect(pooled.ranking.pool?.stats()).toMatchObject({ started: before, crashed: 0 });
  });

  it('keeps the event loop turning while fresh answers are ranked (inline mode does not)', async () => {
    const inline = await pieces({ workers: 0 });
    /** setImmediate turns the main thread takes while `count` fresh requests are in flight. */
    const turnsWhileRanking = async (service: RecommendationService, offset: number): Promise<number> => {
      let done = false;
      let turns = 0;
      const tick = () => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const fresh = Array.from({ length: 16 }, (_, i) => service.recommendFromLikes({ liked: [1 + i, 20 + i, 40 + offset], k: 10 }));
      await Promise.all(fresh);
      done = true;
      return turns;
    };
    // Inline, each request is ranked inside the call: all are answered before the loop turns once.
    expect(await turnsWhileRanking(inline.service, 1)).toBe(0);
    expect(await turnsWhileRanking(pooled.service, 2)).toBeGreaterThan(0);
    await inline.close();
  });

  it('answers /healthz while fresh recommendations are still being ranked', async () => {
    const app = createApp({ service: pooled.service });
    let answered = 0;
    const fresh = Array.from({ length: 16 }, async (_, i) => {
      const res = await app.request('/api/recommend', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ liked: [3 + i, 30 + i, 60], k: 10 }),
      });
      answered++;
      return res.status;
    });
    const health = await app.request('/healthz');
    expect(health.status).toBe(200);
    expect(answered).toBeLessThan(fresh.length);
    expect(await Promise.all(fresh)).toEqual(fresh.map(() => 200));
  });

  it('shares the model: every typed array of the parts, whatever its field, is in shared memory', () => {
    const walk = (value: unknown, path: string, out: string[]): string[] => {
      if (ArrayBuffer.isView(value)) {
        if (!(value.buffer instanceof SharedArrayBuffer)) out.push(path);
      } else if (value && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, out);
      }
      return out;
    };
    expect(walk(pooled.parts, 'parts', [])).toEqual([]);
    expect(sharedBytes(pooled.parts)).toBeGreaterThan(0);
    // The build's neighbour lists reach the workers the same way.
    const lists = pooled.ranking.model.neighbours;
    expect(lists?.targets.length).toBe(bundle.artifact.neighbours.targets.length);
    expect(walk(lists, 'neighbours', [])).toEqual([]);
    // A field added to the parts later is shared without changing the pool.
    const later = placeInKernelMemory(
      { nItems: 3, candidates: { offsets: new Uint32Array([0, 2]), rows: [new Float32Array(4)] } },
      1,
    ).value;
    expect(walk(later, 'later', [])).toEqual([]);
    expect(later.candidates.offsets).toEqual(new Uint32Array([0, 2]));
    expect(later.nItems).toBe(3);
    // What holds no typed array is not copied: the catalogue is the one the service already has.
    expect(pooled.ranking.model.catalogue).toBe(bundle.data.catalogue);
  });
});

describe('rank pool lifecycle', () => {
  const model = () => placeInKernelMemory(rankingModelOf({ ...bundleData(), settings: undefined }), 3).value;
  const bundleData = () => ({
    dataset: bundle.data.name,
    catalogue: bundle.data.catalogue,
    ratings: bundle.data.ratings,
    parts: bundle.parts,
    blend: bundle.artifact.blend,
    neumf: bundle.neumf,
    knownUser: bundle.artifact.knownUser,
    embedder: 'test',
    backend: 'test',
  });
  const request = (k: number) => ({ liked: [4, 10], disliked: [], excluded: [], k });

  it('ranks over kernel memory (WebAssembly) exactly as over the plain model (TypeScript loops)', () => {
    for (const ranking of ['two-stage', 'full'] as const) {
      const plain = ordinaryCopy({ ...rankingModelOf({ ...bundleData(), settings: undefined }), ranking });
      const placement = placeInKernelMemory(plain, 1);
      attachKernels(placement.memory, 0);
      expect(kernelsFor(placement.value.parts.movies.vectors)).not.toBeNull();
      expect(kernelsFor(plain.parts.movies.vectors)).toBeNull();
      const [viaKernels, viaTypeScript] = [createRanker(placement.value), createRanker(plain)];
      const requests = [
        request(10),
        { liked: [1, 7, 13, 19, 25], disliked: [4, 10], excluded: [], k: 10 },
        { liked: [3, 9], disliked: [], excluded: [15, 21], k: 20, genres: ['Horror'] },
        { liked: [], disliked: [], excluded: [], k: 5 },
      ];
      for (const r of requests) expect(viaKernels(r)).toEqual(viaTypeScript(r));
    }
  });

  it('clears what one request excluded before the next: the ranker reuses one mask per thread', () => {
    const rank = createRanker(model());
    const plain = rank(request(10));
    const ids = (answer: typeof plain) => answer.items.map((i) => i.item);
    const horror = bundle.data.catalogue.genres.indexOf('Horror');
    expect(horror).toBeGreaterThanOrEqual(0);
    const excluded = ids(plain).slice(0, 3);
    const filtered = rank({ liked: [4, 10], disliked: [], excluded, k: 10, genres: ['Horror'] });
    expect(filtered.items.length).toBeGreaterThan(0);
    for (const item of ids(filtered)) {
      expect(excluded).not.toContain(item);
      expect(bundle.data.catalogue.movies[item]?.genres).toContain('Horror');
    }
    // Neither the exclusions nor the genre filter outlive their request.
    expect(rank(request(10))).toEqual(plain);
  });

  it('finds its built worker by default, also when it runs as TypeScript (as under the soak suite)', () => {
    expect(DEFAULT_RANK_WORKER_URL.pathname.endsWith('/dist/service/rank-worker.js')).toBe(true);
  });

  it('fails to start, loudly, when the worker file is missing', async () => {
    const error = await startRankPool({ model: model(), size: 1, workerUrl: new URL('./no-such-worker.js', WORKER_URL) }).catch((e) => e);
    expect(error).toBeInstanceOf(ReelrecError);
    expect(error.code).toBe('rank_pool_start');
    expect(error.message).toContain('no-such-worker.js');
  });

  it('rejects the request of a worker that crashes, replaces the worker and keeps answering', async () => {
    const pool = await startRankPool({ model: model(), size: 1, workerUrl: CRASHING_WORKER_URL });
    try {
      const [first] = pool.threadIds();
      const crash = await pool.rank(request(13)).catch((e) => e);
      expect(crash).toBeInstanceOf(ReelrecError);
      expect(crash.code).toBe('rank_worker_crashed');
      expect(crash.message).toContain('exit code 7');
      const answer = await pool.rank(request(5));
      expect(answer.items).toHaveLength(5);
      // The pool speaks item indices; the service, movie ids.
      const liked = [4, 10].map((item) => bundle.data.catalogue.movies[item]?.id as number);
      // In item indices: the service turns them into its own movie summaries.
      expect(answerOf(answer, bundle.data.catalogue.movies.map(movieSummary))).toEqual(
        await bundle.service.recommendFromLikes({ liked, k: 5 }),
      );
      expect(answer.items.every((i) => !('movie' in i))).toBe(true);
      expect(pool.stats()).toMatchObject({ workers: 1, crashed: 1, started: 2 });
      expect(pool.threadIds()).not.toContain(first);
    } finally {
      await pool.close();
    }
  });

  it('hands each worker up to `depth` requests, the least loaded first, and queues the rest', async () => {
    const pool = await startRankPool({ model: model(), size: 2, depth: 2, workerUrl: WORKER_URL });
    try {
      const pending = Array.from({ length: 7 }, (_, i) => pool.rank(request(1 + i)));
      expect(pool.stats()).toMatchObject({ workers: 2, busy: 2, inFlight: 4, queued: 3 });
      const answers = await Promise.all(pending);
      expect(answers.map((a) => a.items.length)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(pool.stats()).toMatchObject({ busy: 0, inFlight: 0, queued: 0 });
      const one = pool.rank(request(3));
      // One request goes to an idle worker: the other stays free.
      expect(pool.stats()).toMatchObject({ busy: 1, inFlight: 1 });
      await one;
    } finally {
      await pool.close();
    }
    expect(await startRankPool({ model: model(), size: 1, depth: 0, workerUrl: WORKER_URL }).catch((e) => e.code)).toBe('rank_pool_start');
  });

  it('gives a request waiting behind a crash to the replacement instead of failing it', async () => {
    const pool = await startRankPool({ model: model(), size: 1, depth: 3, workerUrl: CRASHING_WORKER_URL });
    try {
      const crash = pool.rank(request(13)).catch((e: ReelrecError) => e.code);
      const behind = pool.rank(request(5));
      const last = pool.rank(request(6));
      expect(pool.stats()).toMatchObject({ inFlight: 3, queued: 0 });
      expect(await crash).toBe('rank_worker_crashed');
      expect((await behind).items).toHaveLength(5);
      expect((await last).items).toHaveLength(6);
      expect(pool.stats()).toMatchObject({ workers: 1, crashed: 1, started: 2 });
    } finally {
      await pool.close();
    }
  });

  it('close() rejects what is queued or in flight and terminates every worker', async () => {
    const pool = await startRankPool({ model: model(), size: 2, depth: 1, workerUrl: WORKER_URL });
    expect(pool.threadIds()).toHaveLength(2);
    const pending = Array.from({ length: 6 }, (_, i) => pool.rank(request(1 + i)).catch((e: ReelrecError) => e.code));
    await pool.close();
    const outcomes = (await Promise.all(pending)).map((outcome) => (typeof outcome === 'string' ? outcome : 'answered'));
    // Two could be in flight (2 workers × depth 1) when close() came; the four queued behind them never ran.
    expect(outcomes.filter((o) => o === 'rank_pool_closed').length).toBeGreaterThanOrEqual(4);
    expect(outcomes.every((o) => o === 'rank_pool_closed' || o === 'answered')).toBe(true);
    expect(pool.stats()).toMatchObject({ workers: 0, busy: 0, inFlight: 0, queued: 0 });
    expect(pool.threadIds()).toEqual([]);
    expect(await codeOf(() => pool.rank(request(3)))).toBe('rank_pool_closed');
  });
});
