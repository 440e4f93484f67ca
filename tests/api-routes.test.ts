import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, type MovieJson, TMDB_IMAGE_BASE, type toAnswerJson, toMovieJson } from '../src/api/index.js';
import type { RecommendationService, RecommendFromLikesInput } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
beforeAll(async () => {
  service = await createTestService();
});

type AnswerJson = ReturnType<typeof toAnswerJson>;
type PageJson = { total: number; offset: number; limit: number; items: MovieJson[] };
interface OpenApiJson {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

const read = <T>(res: Response) => res.json() as Promise<T>;

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function expectMovie(movie: MovieJson) {
  expect(Object.keys(movie).sort()).toEqual(['genres', 'id', 'overview', 'poster', 'title', 'year']);
  const poster = movie.poster;
  expect(poster.svg).toBe(`/posters/${movie.id}.svg`);
  expect(poster.remote === null || typeof poster.remote === 'string').toBe(true);
}

function expectAnswer(body: AnswerJson) {
  for (const item of body.items) {
    expectMovie(item.movie);
    expect(typeof item.score).toBe('number');
    expect(Array.isArray(item.reasons)).toBe(true);
  }
  expect(body.strategy).toMatchObject({ kind: expect.stringMatching(/^(hybrid|known-user)$/), weights: expect.any(Object) });
}

describe('recommendation routes', () => {
  it('POST /api/recommend answers items with movies, scores, reasons and the strategy', async () => {
    const res = await createApp({ service }).request('/api/recommend', post({ liked: [1, 2, 3], k: 5 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await read<AnswerJson>(res);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(5);
    expectAnswer(body);
  });

  it("answers the bytes of c.json's text, the first time and from the cache, non-ASCII text included", async () => {
    const answer = await service.recommendFromLikes({ liked: [1, 2], k: 3 });
    const first = answer.items[0];
    if (!first) throw new Error('the test service answered nothing');
    // A title outside ASCII: the bytes must be its UTF-8, not one byte per character.
    const accented = {
      ...answer,
      items: [{ ...first, movie: { ...first.movie, title: 'Amélie — 東京物語 🎬' } }, ...answer.items.slice(1)],
    };
    const fixed: RecommendationService = { ...service, recommendFromLikes: async () => accented };
    const app = createApp({ service: fixed });
    const expected = JSON.stringify(
      await read<AnswerJson>(await createApp({ service: fixed }).request('/api/recommend', post({ liked: [1] }))),
    );
    for (let round = 0; round < 2; round++) {
      const res = await app.request('/api/recommend', post({ liked: [1, 2] }));
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(new TextDecoder().decode(bytes)).toBe(expected);
      expect(bytes.byteLength).toBe(Buffer.byteLength(expected));
      expect(JSON.parse(expected).items[0].movie.title).toBe('Amélie — 東京物語 🎬');
    }
  });

  it('accepts an empty liked list and defaults k to 10', async () => {
    const res = await createApp({ service }).request('/api/recommend', post({ liked: [] }));
    expect(res.status).toBe(200);
    expect((await read<AnswerJson>(res)).items.length).toBeLessThanOrEqual(10);
  });

  it('deduplicates ids and genres before calling the service', async () => {
    const seen: RecommendFromLikesInput[] = [];
    const spy: RecommendationService = {
      ...service,
      recommendFromLikes: (input) => {
        seen.push(input);
        return service.recommendFromLikes(input);
      },
    };
    const res = await createApp({ service: spy }).request(
      '/api/recommend',
      post({ liked: [1, 1, 2, 1], disliked: [3, 3], exclude: [4, 4, 5], genres: ['Drama', 'Drama'], k: 3 }),
    );
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ liked: [1, 2], disliked: [3], exclude: [4, 5], genres: ['Drama'], k: 3 }]);
  });

  it('GET /api/users/{id}/recommendations answers for a known user', async () => {
    const res = await createApp({ service }).request('/api/users/1/recommendations?k=4');
    expect(res.status).toBe(200);
    const body = await read<AnswerJson>(res);
    expect(body.items.length).toBeLessThanOrEqual(4);
    expectAnswer(body);
  });
});

describe('movie routes', () => {
  it('GET /api/movies pages through the catalogue', async () => {
    const res = await createApp({ service }).request('/api/movies?offset=2&limit=5');
    expect(res.status).toBe(200);
    const body = await read<PageJson>(res);
    expect(body).toMatchObject({ offset: 2, limit: 5 });
    expect(body.total).toBeGreaterThanOrEqual(72);
    expect(body.items).toHaveLength(5);
    body.items.forEach(expectMovie);
  });

  it('filters by title and genre, treating empty filters as none', async () => {
    const app = createApp({ service });
    const bold = await read<PageJson>(await app.request('/api/movies?q=bold'));
    expect(bold.items.map((m) => m.id)).toContain(7);
    const comedy = await read<PageJson>(await app.request('/api/movies?genre=Comedy&limit=100'));
    expect(comedy.items.length).toBeGreaterThan(0);
    expect(comedy.items.every((m) => m.genres.includes('Comedy'))).toBe(true);
    const all = await read<PageJson>(await app.request('/api/movies?q=&genre='));
    expect(all.total).toBeGreaterThanOrEqual(72);
    expect(all.limit).toBe(24);
  });

  it('GET /api/movies/{id} returns the movie as the API shows it, title untouched (escaping is the page’s job)', async () => {
    const res = await createApp({ service }).request('/api/movies/7');
    expect(res.status).toBe(200);
    const movie = await read<MovieJson>(res);
    expectMovie(movie);
    expect(movie.id).toBe(7);
    expect(movie.title).toContain('<b>Bold</b>');
    expect(movie.poster).toEqual({ svg: '/posters/7.svg', remote: null });
  });

  it('adds TMDB poster URLs only when remote posters are on', async () => {
    const off = await read<PageJson>(await createApp({ service }).request('/api/movies?limit=100'));
    expect(off.items.every((m) => m.poster.remote === null)).toBe(true);
    const on = await read<PageJson>(await createApp({ service, remotePosters: true }).request('/api/movies?limit=100'));
    for (const m of on.items) {
      const posterPath = service.getMovie(m.id).posterPath;
      expect(m.poster.remote).toBe(posterPath ? `${TMDB_IMAGE_BASE}${posterPath}` : null);
    }
  });
});

describe('toMovieJson', () => {
  const movie = { id: 3, title: 'T', year: null, genres: ['Drama'], overview: null, posterPath: '/abc.jpg' };
  it('maps a summary to the API shape', () => {
    expect(toMovieJson(movie, { remotePosters: true })).toEqual({
      id: 3,
      title: 'T',
      year: null,
      genres: ['Drama'],
      overview: null,
      poster: { svg: '/posters/3.svg', remote: 'https://image.tmdb.org/t/p/w500/abc.jpg' },
    });
    expect(toMovieJson(movie, { remotePosters: false }).poster.remote).toBeNull();
    expect(toMovieJson({ ...movie, posterPath: null }, { remotePosters: true }).poster.remote).toBeNull();
  });
});

describe('genre routes', () => {
  it('GET /api/genres lists names with movie counts', async () => {
    const body = await read<{ genres: Array<{ name: string; movieCount: number }> }>(await createApp({ service }).request('/api/genres'));
    const names = body.genres.map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi']));
    for (const g of body.genres) expect(Number.isInteger(g.movieCount)).toBe(true);
  });

  it('GET /api/genres/similarity returns a square matrix', async () => {
    const body = await read<{ genres: string[]; matrix: number[][] }>(await createApp({ service }).request('/api/genres/similarity'));
    expect(body.matrix).toHaveLength(body.genres.length);
    for (const row of body.matrix) expect(row).toHaveLength(body.genres.length);
  });

  it('POST /api/genres/profile returns an affinity for every genre', async () => {
    const res = await createApp({ service }).request('/api/genres/profile', post({ liked: [1, 2, 2] }));
    expect(res.status).toBe(200);
    const body = await read<{ genres: Array<{ genre: string; affinity: number; positive: boolean }> }>(res);
    expect(body.genres.length).toBeGreaterThan(0);
    for (const g of body.genres) {
      expect(typeof g.genre).toBe('string');
      expect(typeof g.affinity).toBe('number');
      expect(typeof g.positive).toBe('boolean');
    }
  });
});

describe('health and docs', () => {
  it('GET /healthz is cheap: it never calls the service', async () => {
    const res = await createApp({ service: {} as RecommendationService }).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports what the service serves', async () => {
    const res = await createApp({ service }).request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', ...service.info() });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document listing every route', async () => {
    const res = await createApp({ service }).request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await read<OpenApiJson>(res);
    expect(doc.openapi).toMatch(/^3\.1/);
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'post /api/recommend',
        'get /api/users/{id}/recommendations',
        'get /api/movies',
        'get /api/movies/{id}',
        'get /api/genres',
        'get /api/genres/similarity',
        'post /api/genres/profile',
        'get /healthz',
        'get /readyz',
      ]),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Movie', 'Error', 'RecommendRequest', 'Recommendations']));
    expect(doc.paths['/api/recommend'].post.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
  });

  it('GET /docs serves Swagger UI pointing at the document', async () => {
    const app = createApp({ service });
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<script src="/docs/init.js"></script>');
    const init = await (await app.request('/docs/init.js')).text();
    expect(init).toContain('SwaggerUIBundle');
    expect(init).toContain('/openapi.json');
  });
});
