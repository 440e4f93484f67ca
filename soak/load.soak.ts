import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../src/recsys/random.js';
import type { RunningCli } from '../tests/helpers/cli.js';
import { freshDataDir, getJson, killAll, recordSoak, removeScratch, serverEnv, startServer } from './helpers.js';

const SECONDS = Number(process.env.SOAK_LOAD_SECONDS ?? 60);
const CONNECTIONS = 8;
const PICKS = 5;
const MOVIES = 72;

describe(`load: ${SECONDS} s of POST /api/recommend, ${CONNECTIONS} connections, a distinct pick list every request`, () => {
  let server: RunningCli;

  beforeAll(async () => {
    server = await startServer(serverEnv(await freshDataDir('load'), { REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn' }));
  });

  afterAll(async () => {
    await killAll();
    await removeScratch();
  });

  it('0 errors, 0 non-2xx', async () => {
    expect(Number.isFinite(SECONDS) && SECONDS > 0).toBe(true);
    // A fresh set of 5 of the 72 movies each time (C(72,5) ≈ 13.9 M), so the answer cache never helps.
    const rng = createRng(42);
    const seen = new Set<string>();
    const nextBody = (): string => {
      for (;;) {
        const picks = new Set<number>();
        while (picks.size < PICKS) picks.add(1 + rng.int(MOVIES));
        const liked = [...picks].sort((a, b) => a - b);
        const key = liked.join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        return JSON.stringify({ liked, k: 10 });
      }
    };

    const result = await autocannon({
      url: `${server.url}/api/recommend`,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: SECONDS,
      timeout: 10,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request: autocannon.Request) => {
            request.body = nextBody();
            return request;
          },
        },
      ],
    });

    const health = await getJson<{ status: string }>(`${server.url}/healthz`);
    await recordSoak('load', {
      endpoint: 'POST /api/recommend (distinct picks, 5 of 72 movies)',
      seconds: result.duration,
      connections: CONNECTIONS,
      requests: result.requests.total,
      distinctBodies: seen.size,
      reqPerSec: Number(result.requests.average.toFixed(1)),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        mean: Number(result.latency.mean.toFixed(2)),
      },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      status5xx: result['5xx'],
      healthzAfter: health.status,
    });

    expect(result.requests.total).toBeGreaterThan(SECONDS * 10);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(health.status).toBe(200);
  });
});
