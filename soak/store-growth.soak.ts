import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../src/recsys/random.js';
import { dirBytes } from '../src/util/dir-bytes.js';
import type { RunningCli } from '../tests/helpers/cli.js';
import { freshDataDir, killAll, recordSoak, removeScratch, serverEnv, startServer } from './helpers.js';
import { type ApiVisitor, createVisitor, type KeepAliveClient, keepAliveClient, percentile, round2 } from './http-client.js';

const WRITES = Number(process.env.SOAK_STORE_WRITES ?? 50_000);
const VISITORS = Number(process.env.SOAK_STORE_VISITORS ?? 500);
const EVERY = Number(process.env.SOAK_STORE_EVERY ?? 5000);
/** A run that cannot reach WRITES in this time fails: the figure is about the rate too. */
const DEADLINE_SECONDS = Number(process.env.SOAK_STORE_SECONDS ?? 1200);
const CONNECTIONS = 8;
const MOVIES = 72;
/** One GET of a visitor's likes after every this many PUTs, so reads are measured under the write load. */
const GET_EVERY = 5;
/** Sequential PUT + GET pairs measured after each point (see `latency` in the figures). */
const PROBES = 100;

const BARS = { likesMegabytes: 50, getP50Ms: 10, putP99Ms: 50 };

interface Point {
  writes: number;
  /** PUTs that changed the stored value (the rest set what was already there and commit nothing). */
  changing: number;
  likesMegabytes: number;
  versions: number;
  getP50Ms: number;
  putP50Ms: number;
  putP99Ms: number;
  underLoad: { getP50Ms: number; putP50Ms: number; putP99Ms: number };
  rssMegabytes: number | null;
  seconds: number;
}

async function rssMegabytes(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Number.isFinite(kb) && kb > 0 ? Math.round(kb / 1024) : null;
}

async function versionCount(table: string): Promise<number> {
  return (await readdir(join(table, '_versions')).catch(() => [] as string[])).filter((f) => f.endsWith('.manifest')).length;
}

describe(`store growth: ${WRITES} like writes from ${VISITORS} visitors through the API, upkeep running`, () => {
  let server: RunningCli;
  let client: KeepAliveClient;
  let likesTable: string;

  beforeAll(async () => {
    const dataDir = await freshDataDir('store-growth');
    likesTable = join(dataDir, 'lancedb', 'likes.lance');
    // The upkeep settings are the defaults under test (REELREC_MAINTENANCE auto = on for a local store).
    server = await startServer(serverEnv(dataDir, { REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn' }));
    client = keepAliveClient(server.url, CONNECTIONS);
  });

  afterAll(async () => {
    client?.close();
    await killAll();
    await removeScratch();
  });

  it(
    `likes ≤ ${BARS.likesMegabytes} MB on disk, GET p50 ≤ ${BARS.getP50Ms} ms, PUT p99 ≤ ${BARS.putP99Ms} ms at the end`,
    async () => {
      const visitors: ApiVisitor[] = [];
      for (let i = 0; i < VISITORS; i++) visitors.push(await createVisitor(client));
      const rng = createRng(11);
      const stored = new Map<string, number>();
      const curve: Point[] = [];
      const failures: string[] = [];
      let done = 0;
      let changing = 0;
      const started = performance.now();
      const deadline = started + DEADLINE_SECONDS * 1000;

      /** One PUT of a random like by a visitor of this worker's share (a visitor's writes never overlap). */
      const putOne = async (worker: number): Promise<number> => {
        const visitor = visitors[worker + CONNECTIONS * rng.int(Math.ceil((visitors.length - worker) / CONNECTIONS))] as ApiVisitor;
        const movie = 1 + rng.int(MOVIES);
        const value = rng.int(2) === 0 ? 1 : -1;
        const key = `${visitor.id}/${movie}`;
        if (stored.get(key) !== value) changing++;
        const res = await client.send('PUT', `/api/visitors/${visitor.id}/likes/${movie}`, visitor.headers, JSON.stringify({ value }));
        if (res.status === 200) stored.set(key, value);
        else failures.push(`PUT ${res.status} ${res.body}`);
        return res.ms;
      };
      const getOne = async (visitor: ApiVisitor): Promise<number> => {
        const res = await client.send('GET', `/api/visitors/${visitor.id}/likes`, visitor.headers);
        if (res.status !== 200) failures.push(`GET ${res.status} ${res.body}`);
        return res.ms;
      };

      while (done < WRITES && performance.now() < deadline && failures.length === 0) {
        // The load: CONNECTIONS clients writing as fast as the server answers, a GET after every GET_EVERY PUTs.
        const chunkEnd = Math.min(WRITES, done + EVERY);
        const loadPut: number[] = [];
        const loadGet: number[] = [];
        await Promise.all(
          Array.from({ length: CONNECTIONS }, async (_, worker) => {
            while (done < chunkEnd && failures.length === 0) {
              const n = done++;
              loadPut.push(await putOne(worker));
              if (n % GET_EVERY === 0) loadGet.push(await getOne(visitors[worker] as ApiVisitor));
            }
          }),
        );
        // The probe: what one client waits for against the store as the load left it (no queue in front).
        const probePut: number[] = [];
        const probeGet: number[] = [];
        for (let i = 0; i < PROBES; i++) {
          probePut.push(await putOne(i % CONNECTIONS));
          probeGet.push(await getOne(visitors[rng.int(visitors.length)] as ApiVisitor));
        }
        curve.push({
          writes: done,
          changing,
          likesMegabytes: round2((await dirBytes(likesTable)) / 2 ** 20),
          versions: await versionCount(likesTable),
          getP50Ms: round2(percentile(probeGet, 50)),
          putP50Ms: round2(percentile(probePut, 50)),
          putP99Ms: round2(percentile(probePut, 99)),
          underLoad: {
            getP50Ms: round2(percentile(loadGet, 50)),
            putP50Ms: round2(percentile(loadPut, 50)),
            putP99Ms: round2(percentile(loadPut, 99)),
          },
          rssMegabytes: await rssMegabytes(server.pid),
          seconds: round2((performance.now() - started) / 1000),
        });
        console.log(`store growth: ${JSON.stringify(curve.at(-1))}`);
      }

      // Every visitor's likes read back as last acknowledged (a sample: 50 visitors).
      let mismatches = 0;
      for (const visitor of visitors.slice(0, 50)) {
        const res = await client.send('GET', `/api/visitors/${visitor.id}/likes`, visitor.headers);
        const likes = (JSON.parse(res.body) as { likes: Array<{ movieId: number; value: number }> }).likes;
        const want = [...stored].filter(([k]) => k.startsWith(`${visitor.id}/`)).map(([k, v]) => [Number(k.split('/')[1]), v]);
        const got = new Map(likes.map((l) => [l.movieId, l.value]));
        if (got.size !== want.length || want.some(([m, v]) => got.get(m as number) !== v)) mismatches++;
      }

      const end = curve.at(-1);
      await recordSoak('store_growth', {
        writes: done,
        probeWritesPerPoint: PROBES,
        visitors: VISITORS,
        connections: CONNECTIONS,
        movies: MOVIES,
        getEvery: GET_EVERY,
        seconds: round2((performance.now() - started) / 1000),
        upkeep: 'defaults: REELREC_MAINTENANCE auto (on), versions trigger 10, interval 60 s, grace 10 s',
        latency:
          'getP50Ms/putP50Ms/putP99Ms: one client, one request at a time, after each 5,000 writes (the store as the load left it); underLoad: the 8 loading connections, queueing included',
        bars: BARS,
        end,
        curve,
        failures: failures.length,
        firstFailure: failures[0] ?? null,
        readBackMismatches: mismatches,
      });

      expect(failures).toEqual([]);
      expect(done).toBeGreaterThanOrEqual(WRITES);
      expect(mismatches).toBe(0);
      expect(end?.likesMegabytes).toBeLessThanOrEqual(BARS.likesMegabytes);
      expect(end?.getP50Ms).toBeLessThanOrEqual(BARS.getP50Ms);
      expect(end?.putP99Ms).toBeLessThanOrEqual(BARS.putP99Ms);
    },
    (DEADLINE_SECONDS + 300) * 1000,
  );
});
