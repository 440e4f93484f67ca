import type { OpenAPIHono } from '@hono/zod-openapi';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.js';
import { createTestService } from './helpers/service.js';

/** No client input, however malformed, may produce a 5xx: every route is fed random and hostile input. */

const RUNS = { numRuns: 150 };

let app: OpenAPIHono;
beforeAll(async () => {
  app = createApp({ service: await createTestService() });
});

async function expectClientSafe(res: Response, method = 'GET') {
  expect(res.status).toBeLessThan(500);
  if (method !== 'HEAD' && res.status >= 400 && res.headers.get('content-type')?.startsWith('application/json')) {
    const body = (await res.json()) as { error: { code: unknown } };
    expect(typeof body.error.code).toBe('string');
  }
}

const TRICKS = [
  '../',
  '..%2F',
  '%2e%2e%2f',
  '%00',
  '%',
  '%E0%A4%A',
  '//',
  '.',
  '..',
  '%20',
  '-1',
  '0',
  '1e3',
  '0x10',
  '9'.repeat(40),
  '1.5',
  'NaN',
  '🎬',
  '<script>',
];

const weirdNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -5, max: 80 }),
  fc.double(),
  fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER + 2, 1e308, 999999),
);
const weird = fc.oneof(weirdNumber, fc.string({ unit: 'grapheme' }), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
const idList = fc.oneof(fc.array(weirdNumber, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 6000 }), weird);

const recommendBody = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      liked: idList,
      disliked: idList,
      k: weird,
      genres: fc.oneof(
        fc.array(fc.oneof(fc.constantFrom('Action', 'Drama', 'Sci-Fi'), fc.string({ unit: 'grapheme' })), { maxLength: 40 }),
        weird,
      ),
      exclude: idList,
    },
    { requiredKeys: [] },
  ),
);

const rawBody = fc.oneof(
  recommendBody.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '{', '{"liked": [1,', 'null', '[]', '"x"', '{"liked": [1e999]}', '\u0000'),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/vnd.x+json',
  '',
  'multipart/form-data',
);

const segment = fc.oneof(
  fc.constantFrom(...TRICKS),
  fc.string({ unit: 'grapheme' }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.stringMatching(/^[\w.%~-]{0,30}$/),
);

const queryString = fc
  .array(fc.tuple(fc.constantFrom('q', 'genre', 'offset', 'limit', 'k', 'x', ''), fc.oneof(segment, fc.string({ unit: 'grapheme' }))), {
    maxLength: 6,
  })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&'));

describe('no input causes a 5xx', () => {
  it.each(['/api/recommend', '/api/genres/profile'])('POST %s with random bodies', async (path) => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, async (body, type) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        await expectClientSafe(await app.request(path, { method: 'POST', headers, body }));
      }),
      RUNS,
    );
  });

  it('GET /api/movies/{id} with path tricks', async () => {
    await fc.assert(
      fc.asyncProperty(segment, async (id) => {
        await expectClientSafe(await app.request(`/api/movies/${id}`));
      }),
      RUNS,
    );
  });

  it('GET /api/users/{id}/recommendations with path and query tricks', async () => {
    await fc.assert(
      fc.asyncProperty(segment, queryString, async (id, query) => {
        await expectClientSafe(await app.request(`/api/users/${id}/recommendations?${query}`));
      }),
      RUNS,
    );
  });

  it('GET /api/movies with random query strings', async () => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        await expectClientSafe(await app.request(`/api/movies?${query}`));
      }),
      RUNS,
    );
  });

  it.each(['/api/genres', '/api/genres/similarity', '/healthz', '/readyz', '/openapi.json'])(
    'GET %s ignores random query strings',
    async (path) => {
      await fc.assert(
        fc.asyncProperty(queryString, async (query) => {
          await expectClientSafe(await app.request(`${path}?${query}`));
        }),
        { numRuns: 30 },
      );
    },
  );

  it('any method on any path', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
    const path = fc.array(fc.oneof(segment, fc.constantFrom('api', 'movies', 'genres', 'users', 'recommend', 'posters', 'static')), {
      maxLength: 5,
    });
    await fc.assert(
      fc.asyncProperty(method, path, async (m, parts) => {
        const hasBody = m !== 'GET' && m !== 'HEAD';
        const init = hasBody ? { method: m, headers: { 'content-type': 'application/json' }, body: '{"liked":[1]}' } : { method: m };
        await expectClientSafe(await app.request(`/${parts.join('/')}`, init), m);
      }),
      RUNS,
    );
  });
});
