import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { forwardedClient } from '../src/api/client-key.js';
import { createApp, FixedWindowLimiter, serveApp } from '../src/api/index.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
beforeAll(async () => {
  service = await createTestService();
});

describe('security headers', () => {
  it('are on every response, errors included, with a CSP fit for the page', async () => {
    const app = createApp({ service });
    for (const path of ['/healthz', '/api/movies/1', '/api/movies/999999', '/nope']) {
      const res = await app.request(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBeTruthy();
      expect(res.headers.get('strict-transport-security')).toBeTruthy();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("img-src 'self' data: https://image.tmdb.org");
      expect(csp).not.toContain('unsafe-inline');
    }
  });

  it('give /docs a policy of its own that names no third party and allows no inline script', async () => {
    const csp = (await createApp({ service }).request('/docs')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(/script-src[^;]*/.exec(csp)?.[0]).not.toContain('unsafe-inline');
  });
});

describe('CORS', () => {
  it('is off by default: no CORS headers', async () => {
    const res = await createApp({ service }).request('/api/genres', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the listed origins only', async () => {
    const app = createApp({ service, corsOrigins: ['https://bot.example'] });
    const ok = await app.request('/api/genres', { headers: { origin: 'https://bot.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://bot.example');
    const other = await app.request('/api/genres', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.request('/api/recommend', {
      method: 'OPTIONS',
      headers: { origin: 'https://bot.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it("allows any origin with ['*']", async () => {
    const res = await createApp({ service, corsOrigins: ['*'] }).request('/api/genres', { headers: { origin: 'https://x.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('request id and log line', () => {
  it('echoes a generated or given X-Request-Id', async () => {
    const app = createApp({ service });
    expect((await app.request('/healthz')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await app.request('/nope', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
  });

  it('logs one structured line per request without headers, query or body', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }));
    const app = createApp({ service, logger });
    const res = await app.request('/api/recommend?token=query-secret', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer header-secret', 'x-request-id': 'req-1' },
      body: JSON.stringify({ liked: [1], note: 'body-secret' }),
    });
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({ msg: 'request', reqId: 'req-1', method: 'POST', path: '/api/recommend', status: 200 });
    expect(typeof line.ms).toBe('number');
    expect(lines[0]).not.toMatch(/secret|liked|authorization/i);
  });
});

describe('rate limit', () => {
  /** app.request()'s third argument stands in for Node's bindings, which the client key reads. */
  const socket = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

  it('answers 429 rate_limited with Retry-After once a client is over its budget', async () => {
    const app = createApp({ service, rateLimit: { windowMs: 60_000, max: 2 } });
    // A forwarded header is the client's own unless a setting trusts it: it changes nothing here.
    const init = { headers: { 'x-forwarded-for': '9.9.9.9' } };
    expect((await app.request('/api/genres', init, socket('1.1.1.1'))).status).toBe(200);
    expect((await app.request('/api/movies/1', {}, socket('1.1.1.1'))).status).toBe(200);
    const limited = await app.request('/api/genres', init, socket('1.1.1.1'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(limited.headers.get('x-request-id')).toBeTruthy();
    expect((await app.request('/api/genres', {}, socket('2.2.2.2'))).status).toBe(200);
    // Probes are never throttled.
    for (let i = 0; i < 5; i++) expect((await app.request('/healthz', {}, socket('1.1.1.1'))).status).toBe(200);
    expect((await app.request('/readyz', {}, socket('1.1.1.1'))).status).toBe(200);
  });

  it('is off when not configured or max is 0', async () => {
    for (const rateLimit of [null, { windowMs: 60_000, max: 0 }]) {
      const app = createApp({ service, rateLimit });
      for (let i = 0; i < 5; i++) expect((await app.request('/api/genres')).status).toBe(200);
    }
  });

  it.each([
    ['203.0.113.9', 1, '203.0.113.9'],
    ['203.0.113.9:51234, 10.0.0.2', 2, '203.0.113.9'],
    ['198.51.100.1, 203.0.113.9:51234, 10.0.0.2', 2, '203.0.113.9'],
    ['[2001:db8::1]:443', 1, '2001:db8::1'],
    ['2001:db8::1', 1, '2001:db8::1'],
    ['  ', 1, undefined],
    [undefined, 1, undefined],
    ['203.0.113.9', 0, undefined],
  ])('takes the client of X-Forwarded-For %j behind %i hops as %j', (header, hops, key) => {
    expect(forwardedClient(header, hops)).toBe(key);
  });
});

describe('FixedWindowLimiter', () => {
  it('counts per key and resets after the window', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 1000, max: 2, now: () => now });
    expect(limiter.hit('a')).toEqual({ allowed: true, remaining: 1, limit: 2 });
    expect(limiter.hit('a')).toEqual({ allowed: true, remaining: 0, limit: 2 });
    now = 400;
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterMs: 600, limit: 2 });
    expect(limiter.hit('b').allowed).toBe(true);
    now = 1000;
    expect(limiter.hit('a').allowed).toBe(true);
  });
});

describe('serveApp', () => {
  it('limits bodies over a real socket, by their declared length or as a chunked stream', async () => {
    const server = await serveApp(createApp({ service, bodyLimitBytes: 100 }), { port: 0, host: '127.0.0.1' });
    try {
      const small = '{"liked":[1,2]}';
      const big = JSON.stringify({ liked: Array.from({ length: 60 }, (_, i) => i + 1) });
      const post = (body: string, chunked = false) =>
        fetch(`${server.url}/api/recommend`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: chunked ? new Blob([body]).stream() : body,
          ...(chunked ? { duplex: 'half' } : {}),
        } as RequestInit);
      const codeOf = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code;
      // fetch sends a string with Content-Length and a stream chunked: both paths of the limit.
      expect((await post(small)).status).toBe(200);
      expect((await post(small, true)).status).toBe(200);
      const declared = await post(big);
      expect(declared.status).toBe(413);
      expect(await codeOf(declared)).toBe('payload_too_large');
      const streamed = await post(big, true);
      expect(streamed.status).toBe(413);
      expect(await codeOf(streamed)).toBe('payload_too_large');
    } finally {
      await server.close();
    }
  });

  it('listens on port 0, reports the real port, serves, and closes after in-flight requests', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: RecommendationService = {
      ...service,
      recommendForKnownUser: (id, k) => gate.then(() => service.recommendForKnownUser(id, k)),
    };
    const server = await serveApp(createApp({ service: slow }), { port: 0, host: '127.0.0.1' });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const inFlight = fetch(`${server.url}/api/users/1/recommendations`);
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release();
    expect((await inFlight).status).toBe(200);
    await closing;
    expect(closed).toBe(true);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
