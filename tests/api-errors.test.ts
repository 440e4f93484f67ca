import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, ERROR_STATUS, type ErrorBody } from '../src/api/index.js';
import { DataFormatError } from '../src/errors.js';
import { ServiceInputError } from '../src/service/errors.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
beforeAll(async () => {
  service = await createTestService();
});

const jsonPost = (body: string, contentType: string | null = 'application/json'): RequestInit => ({
  method: 'POST',
  headers: contentType === null ? {} : { 'content-type': contentType },
  body,
});

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/);
  return body.error;
}

describe('validation', () => {
  it.each([
    ['/api/recommend', { liked: [1, -2] }, 'liked.1'],
    ['/api/recommend', { liked: [1], k: 51 }, 'k'],
    ['/api/recommend', { liked: [1.5] }, 'liked.0'],
    ['/api/recommend', { liked: 'x' }, 'liked'],
    ['/api/recommend', { liked: Array.from({ length: 201 }, (_, i) => i + 1) }, 'liked'],
    ['/api/recommend', { liked: [], genres: Array.from({ length: 31 }, () => 'Drama') }, 'genres'],
    ['/api/recommend', {}, 'liked'],
    ['/api/genres/profile', { liked: [] }, 'liked'],
    ['/api/recommend', null, ''],
  ])('POST %s %j → 400 invalid_input naming %j', async (path, body, field) => {
    const error = await expectError(await createApp({ service }).request(path, jsonPost(JSON.stringify(body))), 400, 'invalid_input');
    const issues = error.details?.issues as Array<{ in: string; path: string; message: string }>;
    expect(issues.map((i) => i.path)).toContain(field);
    expect(issues[0]?.in).toBe('body');
    expect(issues[0]?.message).toBeTruthy();
  });

  it.each([
    ['/api/movies?limit=0', 'limit'],
    ['/api/movies?limit=101', 'limit'],
    ['/api/movies?offset=-1', 'offset'],
    ['/api/movies?offset=abc', 'offset'],
    [`/api/movies?q=${'x'.repeat(201)}`, 'q'],
    ['/api/users/1/recommendations?k=0', 'k'],
  ])('GET %s → 400 naming the query field %j', async (url, field) => {
    const error = await expectError(await createApp({ service }).request(url), 400, 'invalid_input');
    expect(error.details?.issues).toContainEqual(expect.objectContaining({ in: 'query', path: field }));
  });

  it.each(['/api/movies/0', '/api/movies/-3', '/api/movies/abc', '/api/movies/1.5', '/api/movies/007', '/api/users/x/recommendations'])(
    'GET %s → 400 on the path id',
    async (url) => {
      const error = await expectError(await createApp({ service }).request(url), 400, 'invalid_input');
      expect(error.details?.issues).toContainEqual(expect.objectContaining({ in: 'path', path: 'id' }));
    },
  );

  it('caps the listed issues so a huge bad array does not echo back in full', async () => {
    const body = JSON.stringify({ liked: Array.from({ length: 150 }, () => -1) });
    const error = await expectError(await createApp({ service }).request('/api/recommend', jsonPost(body)), 400, 'invalid_input');
    expect((error.details?.issues as unknown[] | undefined)?.length).toBeLessThanOrEqual(20);
    expect(error.details?.truncated).toBe(true);
  });

  it('a genre the catalogue does not have → 400 unknown_genre', async () => {
    const body = JSON.stringify({ liked: [1], genres: ['Western-Noir'] });
    const error = await expectError(await createApp({ service }).request('/api/recommend', jsonPost(body)), 400, 'unknown_genre');
    expect(error.details?.genres).toEqual(['Western-Noir']);
  });

  it("a service's own input error → 400 invalid_input naming the field", async () => {
    const failing = {
      ...service,
      searchMovies: () => {
        throw new ServiceInputError('limit', 'too big');
      },
    };
    const error = await expectError(await createApp({ service: failing }).request('/api/movies'), 400, 'invalid_input');
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'limit' })]);
  });
});

describe('bodies', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    await expectError(await createApp({ service }).request('/api/recommend', jsonPost('{"liked": [1,')), 400, 'invalid_json');
    await expectError(await createApp({ service }).request('/api/genres/profile', jsonPost('')), 400, 'invalid_json');
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], [null]])('content type %j → 415', async (type) => {
    await expectError(
      await createApp({ service }).request('/api/recommend', jsonPost('{"liked":[1]}', type)),
      415,
      'unsupported_media_type',
    );
  });

  it('accepts a JSON content type with parameters', async () => {
    const res = await createApp({ service }).request('/api/recommend', jsonPost('{"liked":[1]}', 'application/json; charset=utf-8'));
    expect(res.status).toBe(200);
  });

  it('a body over the limit → 413 payload_too_large, with or without Content-Length', async () => {
    const app = createApp({ service, bodyLimitBytes: 100 });
    const big = JSON.stringify({ liked: Array.from({ length: 60 }, (_, i) => i + 1) });
    await expectError(await app.request('/api/recommend', jsonPost(big)), 413, 'payload_too_large');
    const withLength: RequestInit = {
      ...jsonPost(big),
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    };
    await expectError(await app.request('/api/recommend', withLength), 413, 'payload_too_large');
    expect((await app.request('/api/recommend', jsonPost('{"liked":[1]}'))).status).toBe(200);
  });
});

describe('not found', () => {
  it('unknown movie → 404 unknown_movie with the ids', async () => {
    const error = await expectError(await createApp({ service }).request('/api/movies/999999'), 404, 'unknown_movie');
    expect(error.details).toEqual({ ids: [999999] });
    const liked = await createApp({ service }).request('/api/recommend', jsonPost('{"liked":[1,999999]}'));
    expect((await expectError(liked, 404, 'unknown_movie')).details?.ids).toEqual([999999]);
    const profile = await createApp({ service }).request('/api/genres/profile', jsonPost('{"liked":[999999]}'));
    await expectError(profile, 404, 'unknown_movie');
  });

  it('unknown user → 404 unknown_user with the id', async () => {
    const error = await expectError(await createApp({ service }).request('/api/users/999999/recommendations'), 404, 'unknown_user');
    expect(error.details).toEqual({ ids: [999999] });
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/api'],
    ['GET', '/api/recommend'],
    ['DELETE', '/api/movies/1'],
    ['PUT', '/api/genres'],
  ])('%s %s → 404 not_found', async (method, path) => {
    await expectError(await createApp({ service }).request(path, { method }), 404, 'not_found');
  });
});

describe('server faults', () => {
  it('anything that is not a client error → 500 internal, generic message, error logged', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }));
    const broken = {
      ...service,
      listGenres: () => {
        throw new Error('secret connection string in /srv/db');
      },
      genreSimilarity: () => {
        throw new DataFormatError('/srv/genres.json', 3, 'bad');
      },
    };
    const app = createApp({ service: broken, logger });
    for (const path of ['/api/genres', '/api/genres/similarity']) {
      const error = await expectError(await app.request(path), 500, 'internal');
      expect(error.message).toBe('internal server error');
      expect(error.message).not.toContain('/srv');
    }
    expect(lines.some((l) => l.includes('unhandled error') && l.includes('secret connection string'))).toBe(true);
  });

  it('/readyz → 503 not_ready when the service cannot answer', async () => {
    const down = {
      ...service,
      info: () => {
        throw new Error('store closed');
      },
    };
    await expectError(await createApp({ service: down }).request('/readyz'), 503, 'not_ready');
  });

  it('every documented code has a 4xx/5xx status', () => {
    for (const status of Object.values(ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });
});
