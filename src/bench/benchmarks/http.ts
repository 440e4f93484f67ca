import type autocannon from 'autocannon';
import { createRng } from '../../recsys/random.js';
import { startServer } from '../server-process.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';

export const HTTP_LOAD = { connections: 10, seconds: 10, warmupSeconds: 2, picks: 5, distinctBodies: 5000 } as const;

interface Load {
  title: string;
  method: 'GET' | 'POST';
  path: string;
  bodies?: string[];
}

interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

async function run(url: string, load: Load, seconds: number): Promise<Measured> {
  // A dev dependency: loaded only when this benchmark runs.
  const { default: autocannon } = await import('autocannon');
  let next = 0;
  const bodies = load.bodies;
  const result = await autocannon({
    url: `${url}${load.path}`,
    connections: HTTP_LOAD.connections,
    duration: seconds,
    method: load.method,
    headers: { 'content-type': 'application/json' },
    ...(bodies
      ? {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => {
                request.body = bodies[next++ % bodies.length];
                return request;
              },
            },
          ],
        }
      : {}),
  });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

/**
 * `POST /api/recommend` under a bounded autocannon load against the same server's bare `/healthz`,
 * on the artefacts `reelrec build` made. Two recommend loads: the same picks every time (what a
 * page reload or a repeated /recommend costs: the answer cache) and distinct picks on every
 * request (the full hybrid, fold-in included).
 */
export const httpBenchmark: Benchmark = {
  name: 'http',
  description: `REST load: ${HTTP_LOAD.connections} connections × ${HTTP_LOAD.seconds} s per endpoint (autocannon, loopback)`,
  async run({ dataDir, seed }) {
    const { url, child } = await startServer(dataDir);
    try {
      const page = (await (await fetch(`${url}/api/movies?limit=100`)).json()) as { items: Array<{ id: number }> };
      const pool = page.items.map((m) => m.id);
      const rng = createRng(seed);
      const picksBody = () => JSON.stringify({ liked: Array.from({ length: HTTP_LOAD.picks }, () => pool[rng.int(pool.length)]), k: 10 });
      const loads: Load[] = [
        { title: 'GET /healthz (bare)', method: 'GET', path: '/healthz' },
        { title: 'POST /api/recommend (same picks)', method: 'POST', path: '/api/recommend', bodies: [picksBody()] },
        {
          title: 'POST /api/recommend (distinct picks)',
          method: 'POST',
          path: '/api/recommend',
          bodies: Array.from({ length: HTTP_LOAD.distinctBodies }, picksBody),
        },
      ];
      const info = (await (await fetch(`${url}/readyz`)).json()) as Record<string, unknown>;
      const rows: BenchRow[] = [];
      let bare = 0;
      for (const load of loads) {
        await run(url, load, HTTP_LOAD.warmupSeconds);
        const m = await run(url, load, HTTP_LOAD.seconds);
        if (load.method === 'GET') bare = m.reqPerSec;
        rows.push({
          model: load.title,
          'req/s': m.reqPerSec,
          'p50 ms': m.p50,
          'p99 ms': m.p99,
          requests: m.requests,
          errors: m.errors,
          non2xx: m.non2xx,
          'share of bare req/s': bare > 0 ? m.reqPerSec / bare : null,
        });
      }
      return {
        dataset: `${String(info.dataset)} (${String(info.movies)} movies, ${String(info.embedder)})`,
        rows,
        bars: httpBars(),
        details: { load: HTTP_LOAD, server: info },
      };
    } finally {
      child.kill('SIGTERM');
    }
  },
};

function httpBars(): BenchBar[] {
  const bars: BenchBar[] = [];
  for (const model of ['POST /api/recommend (same picks)', 'POST /api/recommend (distinct picks)']) {
    bars.push({ model, metric: 'p99 ms', max: 25, why: 'p99 ≤ 25 ms' });
    bars.push({ model, metric: 'share of bare req/s', min: 0.5, why: '≥ 50 % of bare /healthz req/s' });
    bars.push({ model, metric: 'errors', max: 0, why: 'no errors' });
    bars.push({ model, metric: 'non2xx', max: 0, why: 'no non-2xx' });
  }
  return bars;
}
