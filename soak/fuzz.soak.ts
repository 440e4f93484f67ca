import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCli } from '../tests/helpers/cli.js';
import { errorCode, type FuzzCase, fuzzCorpus, judge } from './fuzz-corpus.js';
import {
  freshDataDir,
  getJson,
  killAll,
  type RawResponse,
  rawRequest,
  recordSoak,
  removeScratch,
  sendJson,
  serverEnv,
  startServer,
} from './helpers.js';

const REQUESTS = 10_000;
const CONCURRENCY = 16;
const SEED = 20_240_601;

describe('fuzz: 10 000 generated bad requests over real HTTP', () => {
  let server: RunningCli;

  beforeAll(async () => {
    // Rate limit off: every request must reach the routes, not stop at 429.
    server = await startServer(serverEnv(await freshDataDir('fuzz'), { REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn' }));
  });

  afterAll(async () => {
    await killAll();
    await removeScratch();
  });

  it('answers every one below 500, every 4xx as a JSON error, and keeps serving', async () => {
    const port = Number(new URL(server.url).port);
    const corpus = fuzzCorpus(REQUESTS, SEED);
    const byStatus: Record<string, number> = {};
    const byKind: Record<string, Record<string, number>> = {};
    const byCode: Record<string, number> = {};
    const failures: Array<{ kind: string; method: string; target: string; problem: string }> = [];
    let bytesSent = 0;

    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < corpus.length) {
        const c = corpus[next++] as FuzzCase;
        bytesSent += c.body?.length ?? 0;
        const r: RawResponse = await rawRequest(port, c);
        const status = r.kind === 'response' ? String(r.status) : 'no response';
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        const kind = byKind[c.kind] ?? {};
        byKind[c.kind] = kind;
        kind[status] = (kind[status] ?? 0) + 1;
        const code = errorCode(r);
        if (code) byCode[code] = (byCode[code] ?? 0) + 1;
        const problem = judge(c, r);
        if (problem) failures.push({ kind: c.kind, method: c.method, target: (c.target || c.rawHead || '').slice(0, 160), problem });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;

    // Still alive and still right afterwards.
    const health = await getJson<{ status: string }>(`${server.url}/healthz`);
    const answer = await sendJson<{ items: unknown[] }>(`${server.url}/api/recommend`, 'POST', { liked: [1, 8, 15], k: 10 });
    // pino level 50/60 lines are what the app logs for a 5xx or a crash in a handler.
    const errorLines = server
      .stdout()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));

    const status5xx = Object.entries(byStatus)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, count]) => n + count, 0);
    await recordSoak('fuzz', {
      requests: corpus.length,
      concurrency: CONCURRENCY,
      seed: SEED,
      seconds: Number(seconds.toFixed(1)),
      requestsPerSecond: Math.round(corpus.length / seconds),
      bodyMegabytesSent: Number((bytesSent / 2 ** 20).toFixed(1)),
      byStatus,
      status5xx,
      noResponse: byStatus['no response'] ?? 0,
      errorCodes: byCode,
      byKind,
      failures: failures.length,
      failureExamples: failures.slice(0, 10),
      serverErrorLogLines: errorLines.length,
      healthzAfter: health.status,
      recommendAfter: answer.status,
    });

    expect(failures.slice(0, 10)).toEqual([]);
    expect(status5xx).toBe(0);
    expect(byStatus['no response'] ?? 0).toBe(0);
    expect(errorLines.slice(0, 5)).toEqual([]);
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(10);
    expect(server.stderr()).not.toMatch(/unexpected error|unhandled/i);
  });
});
