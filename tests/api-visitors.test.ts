import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/index.js';
import { createVisitorLikes, type RecommendationService, type VisitorLikesOptions } from '../src/service/index.js';
import { findVisitor, like, likesOf, openStore, type Store, visitorUserId } from '../src/store/index.js';
import { createTestService } from './helpers/service.js';

const embedder = { id: 'test', model: 'unit', dimension: 4 };
let dir: string;
let service: RecommendationService;
let storeA: Store;
let storeB: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrec-visitors-'));
  service = await createTestService();
  // Two connections to one store folder: two app instances sharing it.
  storeA = await openStore({ uri: join(dir, 'db'), dimension: 4, embedder });
  storeB = await openStore({ uri: join(dir, 'db'), dimension: 4, embedder });
});

afterAll(async () => {
  storeA.close();
  storeB.close();
  await rm(dir, { recursive: true, force: true });
});

type App = ReturnType<typeof createApp>;
interface Visitor {
  id: string;
  token: string;
}

const appOn = (store: Store, options: VisitorLikesOptions = {}, cookieSecure?: 'auto' | 'on' | 'off') =>
  createApp({ service, visitorLikes: createVisitorLikes(store, service, options), ...(cookieSecure ? { cookieSecure } : {}) });
const bearer = (v: Visitor | string) => ({ authorization: `Bearer ${typeof v === 'string' ? v : v.token}` });
const newVisitor = async (app: App): Promise<Visitor> => {
  const res = await app.request('/api/visitors', { method: 'POST' });
  expect(res.status).toBe(201);
  return (await res.json()) as Visitor;
};
const put = (app: App, path: string, body: unknown, v?: Visitor | string) =>
  app.request(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(v ? bearer(v) : {}) },
    body: JSON.stringify(body),
  });
const get = (app: App, path: string, v?: Visitor | string) => app.request(path, { headers: v ? bearer(v) : {} });
const del = (app: App, path: string, v?: Visitor | string) => app.request(path, { method: 'DELETE', headers: v ? bearer(v) : {} });
const likesOfVisitor = async (app: App, v: Visitor) =>
  ((await (await get(app, `/api/visitors/${v.id}/likes`, v)).json()) as { likes: Array<{ movieId: number; value: number }> }).likes.sort(
    (a, b) => a.movieId - b.movieId,
  );
const ids = (answer: { items: Array<{ movie: { id: number } }> }) => answer.items.map((i) => i.movie.id);
type Answer = { items: Array<{ movie: { id: number } }> };

describe('visitor identity', () => {
  it('POST /api/visitors issues an unguessable id and token and sets an HttpOnly SameSite cookie', async () => {
    const app = appOn(storeA);
    const res = await app.request('/api/visitors', { method: 'POST' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Visitor;
    expect(body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(body.token).toMatch(new RegExp(`^${body.id}\\.[A-Za-z0-9_-]{43}$`));
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`reelrec_visitor=${body.token}`);
    for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/api', 'Max-Age=31536000']) expect(cookie).toContain(part);
    expect(cookie).not.toContain('Secure');
    // Only the hash is stored.
    const stored = await findVisitor(storeA, body.id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.secretHash).not.toContain(body.token.split('.')[1]);
    expect((await newVisitor(app)).id).not.toBe(body.id);
  });

  it('marks the cookie Secure over https (auto), always (on) or never (off)', async () => {
    const cookieOf = async (app: App, url: string) => (await app.request(url, { method: 'POST' })).headers.get('set-cookie') ?? '';
    expect(await cookieOf(appOn(storeA), 'https://reelrec.example/api/visitors')).toMatch(/; Secure/);
    expect(await cookieOf(appOn(storeA), 'http://reelrec.example/api/visitors')).not.toMatch(/Secure/);
    expect(await cookieOf(appOn(storeA, {}, 'on'), 'http://reelrec.example/api/visitors')).toMatch(/; Secure/);
    expect(await cookieOf(appOn(storeA, {}, 'off'), 'https://reelrec.example/api/visitors')).not.toMatch(/Secure/);
  });

  it('GET /api/visitors/me answers from the cookie or the bearer token, else 404 unknown_visitor', async () => {
    const app = appOn(storeA);
    const v = await newVisitor(app);
    expect(await (await get(app, '/api/visitors/me', v)).json()).toEqual({ id: v.id });
    const byCookie = await app.request('/api/visitors/me', { headers: { cookie: `reelrec_visitor=${v.token}` } });
    expect(await byCookie.json()).toEqual({ id: v.id });
    const refused: Array<Record<string, string>> = [
      {},
      { cookie: 'reelrec_visitor=nonsense' },
      bearer('nonsense'),
      bearer(`${v.id}.${'A'.repeat(43)}`),
    ];
    for (const headers of refused) {
      const res = await app.request('/api/visitors/me', { headers });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_visitor');
    }
  });
});

describe('visitor likes', () => {
  it('stores likes and dislikes, lists them, and recommends from them without returning them', async () => {
    const app = appOn(storeA);
    const ana = await newVisitor(app);
    const base = `/api/visitors/${ana.id}`;
    for (const id of [4, 10, 16]) expect((await put(app, `${base}/likes/${id}`, { value: 1 }, ana)).status).toBe(200);
    expect(await (await put(app, `${base}/likes/5`, { value: -1 }, ana)).json()).toEqual({ movieId: 5, value: -1 });
    expect(await likesOfVisitor(app, ana)).toEqual([
      { movieId: 4, value: 1 },
      { movieId: 5, value: -1 },
      { movieId: 10, value: 1 },
      { movieId: 16, value: 1 },
    ]);
    const answer = (await (await get(app, `${base}/recommendations?k=10`, ana)).json()) as Answer;
    expect(ids(answer)).toEqual(ids(await service.recommendFromLikes({ liked: [4, 10, 16], disliked: [5], k: 10 })));
    expect(ids(answer)).not.toContain(5);
    expect((await del(app, `${base}/likes/5`, ana)).status).toBe(204);
    expect(await likesOfVisitor(app, ana)).toHaveLength(3);
  });

  it('the cookie alone is enough for the likes routes (the poster page)', async () => {
    const app = appOn(storeA);
    const v = await newVisitor(app);
    const cookie = { cookie: `reelrec_visitor=${v.token}` };
    const res = await app.request(`/api/visitors/${v.id}/likes/7`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...cookie },
      body: '{"value":1}',
    });
    expect(res.status).toBe(200);
    expect(await (await app.request(`/api/visitors/${v.id}/likes`, { headers: cookie })).json()).toEqual({
      likes: [{ movieId: 7, value: 1 }],
    });
  });

  it('a like recorded through one instance is seen by a recommendation from the other', async () => {
    const a = appOn(storeA);
    const b = appOn(storeB);
    const ben = await newVisitor(a);
    const before = ids((await (await get(b, `/api/visitors/${ben.id}/recommendations`, ben)).json()) as Answer);
    expect((await put(a, `/api/visitors/${ben.id}/likes/6`, { value: 1 }, ben)).status).toBe(200);
    const after = ids((await (await get(b, `/api/visitors/${ben.id}/recommendations`, ben)).json()) as Answer);
    expect(after).not.toEqual(before);
    expect(after).toEqual(ids(await service.recommendFromLikes({ liked: [6], k: 10 })));
  });

  it('rejects bad input with the right 4xx and never a 500', async () => {
    const app = appOn(storeA);
    const ana = await newVisitor(app);
    const base = `/api/visitors/${ana.id}`;
    expect((await put(app, '/api/visitors/a%20b/likes/4', { value: 1 }, ana)).status).toBe(400);
    expect((await put(app, `${base}/likes/999999`, { value: 1 }, ana)).status).toBe(404);
    expect((await put(app, `${base}/likes/4`, { value: 2 }, ana)).status).toBe(400);
    expect((await put(app, `/api/visitors/${'x'.repeat(65)}/likes/4`, { value: 1 }, ana)).status).toBe(400);
    expect((await app.request(`${base}/likes/4`, { method: 'PUT', body: '{"value":1}', headers: bearer(ana) })).status).toBe(415);
    expect((await del(app, `${base}/likes/0`, ana)).status).toBe(400);
    const body = (await (await put(app, `${base}/likes/4`, { value: 'yes' }, ana)).json()) as { error: { code: string } };
    expect(body.error.code).toBe('invalid_input');
    const unknownMovie = (await (await put(app, `${base}/likes/999999`, { value: 1 }, ana)).json()) as { error: { code: string } };
    expect(unknownMovie.error.code).toBe('unknown_movie');
  });

  it('is only served when the app is given a likes store', async () => {
    expect((await createApp({ service }).request('/api/visitors/ana/likes')).status).toBe(404);
    expect((await createApp({ service }).request('/api/visitors', { method: 'POST' })).status).toBe(404);
  });

  it('answers 409 too_many_likes beyond the cap, and still lets a held like flip or go', async () => {
    const app = appOn(storeA, { maxLikes: 3 });
    const v = await newVisitor(app);
    const base = `/api/visitors/${v.id}`;
    for (const id of [1, 2, 3]) expect((await put(app, `${base}/likes/${id}`, { value: 1 }, v)).status).toBe(200);
    const over = await put(app, `${base}/likes/4`, { value: 1 }, v);
    expect(over.status).toBe(409);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('too_many_likes');
    expect((await put(app, `${base}/likes/2`, { value: -1 }, v)).status).toBe(200);
    expect((await del(app, `${base}/likes/3`, v)).status).toBe(204);
    expect((await put(app, `${base}/likes/4`, { value: 1 }, v)).status).toBe(200);
    expect((await likesOfVisitor(app, v)).map((l) => l.movieId)).toEqual([1, 2, 4]);
  });
});

describe('only the holder of a visitor’s token touches its likes', () => {
  it('another visitor’s token, no token or a forged one cannot read, write, delete or erase (0 succeed)', async () => {
    const app = appOn(storeA);
    const owner = await newVisitor(app);
    const other = await newVisitor(app);
    const base = `/api/visitors/${owner.id}`;
    for (const id of [4, 10]) expect((await put(app, `${base}/likes/${id}`, { value: 1 }, owner)).status).toBe(200);
    const before = await likesOfVisitor(app, owner);
    const forged = `${owner.id}.${other.token.split('.')[1]}`;
    const credentials: Array<Record<string, string>> = [
      bearer(other),
      {},
      bearer(forged),
      { cookie: `reelrec_visitor=${other.token}` },
      { cookie: `reelrec_visitor=${forged}` },
      { authorization: owner.token }, // not a Bearer header
    ];
    const attempts = (headers: Record<string, string>) => [
      app.request(`${base}/likes`, { headers }),
      app.request(`${base}/recommendations`, { headers }),
      app.request(`${base}/likes/4`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: '{"value":-1}' }),
      app.request(`${base}/likes/16`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: '{"value":1}' }),
      app.request(`${base}/likes/10`, { method: 'DELETE', headers }),
      app.request(base, { method: 'DELETE', headers }),
    ];
    let tried = 0;
    let succeeded = 0;
    const bodies = new Set<string>();
    for (const headers of credentials) {
      for (const res of await Promise.all(attempts(headers))) {
        tried++;
        if (res.status !== 404) succeeded++;
        bodies.add(await res.text());
      }
    }
    expect(tried).toBe(36);
    expect(succeeded).toBe(0);
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0] as string).error.code).toBe('unknown_visitor');
    expect(await likesOfVisitor(app, owner)).toEqual(before);
    expect(await (await get(app, '/api/visitors/me', owner)).json()).toEqual({ id: owner.id });
  });

  it('an unknown id and a foreign id answer byte-identical 404 bodies (ids cannot be enumerated)', async () => {
    const app = appOn(storeA);
    const owner = await newVisitor(app);
    const other = await newVisitor(app);
    await put(app, `/api/visitors/${owner.id}/likes/4`, { value: 1 }, owner);
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAA';
    for (const path of ['/likes', '/recommendations', '']) {
      const method = path === '' ? 'DELETE' : 'GET';
      const foreign = await app.request(`/api/visitors/${owner.id}${path}`, { method, headers: bearer(other) });
      const unknown = await app.request(`/api/visitors/${unknownId}${path}`, { method, headers: bearer(other) });
      const unknownNoToken = await app.request(`/api/visitors/${unknownId}${path}`, { method });
      const foreignNoToken = await app.request(`/api/visitors/${owner.id}${path}`, { method });
      const texts = await Promise.all([foreign, unknown, unknownNoToken, foreignNoToken].map((r) => r.text()));
      expect([foreign.status, unknown.status, unknownNoToken.status, foreignNoToken.status]).toEqual([404, 404, 404, 404]);
      expect(new Set(texts).size).toBe(1);
      expect(foreign.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    }
  });

  it('DELETE /api/visitors/{id} erases the visitor and every like, and clears the cookie', async () => {
    const app = appOn(storeA);
    const v = await newVisitor(app);
    const keep = await newVisitor(app);
    for (const id of [4, 5, 6]) await put(app, `/api/visitors/${v.id}/likes/${id}`, { value: 1 }, v);
    await put(app, `/api/visitors/${keep.id}/likes/4`, { value: 1 }, keep);
    expect((await get(app, `/api/visitors/${v.id}/likes`, v)).status).toBe(200); // warms the credential cache
    const res = await del(app, `/api/visitors/${v.id}`, v);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^reelrec_visitor=; Max-Age=0; Path=\/api/);
    expect(await findVisitor(storeA, v.id)).toBeNull();
    expect(await likesOf(storeA, visitorUserId(v.id))).toEqual([]);
    // The erased token is refused at once on this instance (its cache entry is dropped).
    for (const path of ['/api/visitors/me', `/api/visitors/${v.id}/likes`]) expect((await get(app, path, v)).status).toBe(404);
    expect((await del(app, `/api/visitors/${v.id}`, v)).status).toBe(404);
    expect(await likesOfVisitor(app, keep)).toEqual([{ movieId: 4, value: 1 }]);
  });
});

describe('the verified-credential cache', () => {
  it('another instance honours an erase once its cache entry expires; a wrong secret is refused even when cached', async () => {
    const a = createVisitorLikes(storeA, service);
    const cached = createVisitorLikes(storeB, service, { authCacheMs: 60_000 });
    const uncached = createVisitorLikes(storeB, service, { authCacheMs: 0 });
    const { id, token } = await a.create();
    expect(await cached.authenticate(token)).toBe(id);
    expect(await uncached.authenticate(token, id)).toBe(id);
    await expect(cached.authenticate(`${id}.${'B'.repeat(43)}`)).rejects.toMatchObject({ code: 'unknown_visitor' });
    await a.erase(await a.authenticate(token));
    await expect(a.authenticate(token)).rejects.toMatchObject({ code: 'unknown_visitor' });
    await expect(uncached.authenticate(token)).rejects.toMatchObject({ code: 'unknown_visitor' });
    // Within its time the other instance still accepts the erased token (docs/identity.md says so);
    // the likes it could reach are gone, and it holds the hash only, never the secret.
    expect(await cached.authenticate(token)).toBe(id);
    expect(await cached.list(await cached.authenticate(token))).toEqual([]);
  });

  it('one look at the visitors version serves the requests that come within its time', async () => {
    const a = createVisitorLikes(storeA, service);
    const b = createVisitorLikes(storeB, service, { authCacheMs: 200 });
    const { id, token } = await a.create();
    expect(await b.authenticate(token)).toBe(id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const looks = vi.spyOn(storeB.tables.visitors, 'version');
    try {
      // Past the credential time: three requests at once, one look.
      expect(await Promise.all([b.authenticate(token), b.authenticate(token), b.authenticate(token, id)])).toEqual([id, id, id]);
      expect(looks).toHaveBeenCalledTimes(1);
    } finally {
      looks.mockRestore();
    }
  });

  it('past its time, reuses a hash while no visitor changed, and reads again (refusing an erase) once one did', async () => {
    const a = createVisitorLikes(storeA, service);
    const expired = createVisitorLikes(storeB, service, { authCacheMs: 0 });
    const { id, token } = await a.create();
    const queries = vi.spyOn(storeB.tables.visitors, 'query');
    try {
      expect(await expired.authenticate(token)).toBe(id);
      expect(queries).toHaveBeenCalledTimes(1);
      expect(await expired.authenticate(token)).toBe(id);
      expect(await expired.authenticate(token, id)).toBe(id);
      expect(queries).toHaveBeenCalledTimes(1);
      // A wrong secret is still compared with the reused hash and refused.
      await expect(expired.authenticate(`${id}.${'B'.repeat(43)}`)).rejects.toMatchObject({ code: 'unknown_visitor' });
      await a.erase(await a.authenticate(token));
      await expect(expired.authenticate(token)).rejects.toMatchObject({ code: 'unknown_visitor' });
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
  });
});

describe('stale likes (a movie the catalogue no longer has)', () => {
  it('are not listed, do not break recommendations, and can be deleted', async () => {
    const app = appOn(storeA);
    const v = await newVisitor(app);
    const stale = 999_999;
    expect(service.hasMovie(stale)).toBe(false);
    await put(app, `/api/visitors/${v.id}/likes/4`, { value: 1 }, v);
    await like(storeA, visitorUserId(v.id), stale, 1, 'web');
    await like(storeA, visitorUserId(v.id), stale + 1, -1, 'web');
    expect(await likesOfVisitor(app, v)).toEqual([{ movieId: 4, value: 1 }]);
    const recs = await get(app, `/api/visitors/${v.id}/recommendations`, v);
    expect(recs.status).toBe(200);
    expect(ids((await recs.json()) as Answer)).toEqual(ids(await service.recommendFromLikes({ liked: [4], k: 10 })));
    expect((await del(app, `/api/visitors/${v.id}/likes/${stale}`, v)).status).toBe(204);
    expect((await likesOf(storeA, visitorUserId(v.id))).map((l) => l.movie).sort((a, b) => a - b)).toEqual([4, stale + 1]);
  });
});

describe('CORS and the OpenAPI document', () => {
  const preflight = (app: App) =>
    app.request('/api/visitors/me', {
      method: 'OPTIONS',
      headers: { origin: 'https://a.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('with * allows the Authorization header but never credentials', async () => {
    const res = await preflight(createApp({ service, corsOrigins: ['*'], visitorLikes: createVisitorLikes(storeA, service) }));
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('with an explicit origin list allows credentials for those origins only', async () => {
    const app = createApp({ service, corsOrigins: ['https://a.example'], visitorLikes: createVisitorLikes(storeA, service) });
    const res = await preflight(app);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await app.request('/api/visitors/me', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('documents the bearer scheme and the cookie', async () => {
    const doc = (await (await appOn(storeA).request('/openapi.json')).json()) as {
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.components.securitySchemes.visitorToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.visitorCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'reelrec_visitor' });
    expect(doc.paths['/api/visitors/{visitorId}/likes']?.get?.security).toEqual([{ visitorToken: [] }, { visitorCookie: [] }]);
    expect(doc.paths['/api/visitors']?.post).toBeDefined();
    expect(doc.paths['/api/visitors/{visitorId}']?.delete).toBeDefined();
  });
});
