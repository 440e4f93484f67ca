import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.js';
import { createVisitorLikes, type RecommendationService } from '../src/service/index.js';
import { openStore, type Store } from '../src/store/index.js';
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

const appOn = (store: Store) => createApp({ service, visitorLikes: createVisitorLikes(store, service) });
const put = (app: ReturnType<typeof appOn>, path: string, body: unknown) =>
  app.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ids = (answer: { items: Array<{ movie: { id: number } }> }) => answer.items.map((i) => i.movie.id);

describe('visitor likes', () => {
  it('stores likes and dislikes, lists them, and recommends from them without returning them', async () => {
    const app = appOn(storeA);
    for (const id of [4, 10, 16]) expect((await put(app, `/api/visitors/ana/likes/${id}`, { value: 1 })).status).toBe(200);
    expect(await (await put(app, '/api/visitors/ana/likes/5', { value: -1 })).json()).toEqual({ movieId: 5, value: -1 });
    const listed = (await (await app.request('/api/visitors/ana/likes')).json()) as { likes: Array<{ movieId: number; value: number }> };
    expect(listed.likes.sort((a, b) => a.movieId - b.movieId)).toEqual([
      { movieId: 4, value: 1 },
      { movieId: 5, value: -1 },
      { movieId: 10, value: 1 },
      { movieId: 16, value: 1 },
    ]);
    const answer = (await (await app.request('/api/visitors/ana/recommendations?k=10')).json()) as {
      items: Array<{ movie: { id: number } }>;
    };
    expect(ids(answer)).toEqual(ids(await service.recommendFromLikes({ liked: [4, 10, 16], disliked: [5], k: 10 })));
    expect(ids(answer)).not.toContain(5);
    expect((await app.request('/api/visitors/ana/likes/5', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await app.request('/api/visitors/ana/likes')).json()) as { likes: unknown[] }).likes).toHaveLength(3);
  });

  it('a like recorded through one instance is seen by a recommendation from the other', async () => {
    const a = appOn(storeA);
    const b = appOn(storeB);
    const before = ids(
      (await (await b.request('/api/visitors/ben/recommendations')).json()) as { items: Array<{ movie: { id: number } }> },
    );
    expect((await put(a, '/api/visitors/ben/likes/6', { value: 1 })).status).toBe(200);
    const after = ids((await (await b.request('/api/visitors/ben/recommendations')).json()) as { items: Array<{ movie: { id: number } }> });
    expect(after).not.toEqual(before);
    expect(after).toEqual(ids(await service.recommendFromLikes({ liked: [6], k: 10 })));
  });

  it('rejects bad input with the right 4xx and never a 500', async () => {
    const app = appOn(storeA);
    expect((await put(app, '/api/visitors/a%20b/likes/4', { value: 1 })).status).toBe(400);
    expect((await put(app, '/api/visitors/ana/likes/999999', { value: 1 })).status).toBe(404);
    expect((await put(app, '/api/visitors/ana/likes/4', { value: 2 })).status).toBe(400);
    expect((await put(app, `/api/visitors/${'x'.repeat(65)}/likes/4`, { value: 1 })).status).toBe(400);
    expect((await app.request('/api/visitors/ana/likes/4', { method: 'PUT', body: '{"value":1}' })).status).toBe(415);
    expect((await app.request('/api/visitors/ana/likes/0', { method: 'DELETE' })).status).toBe(400);
    const body = (await (await put(app, '/api/visitors/ana/likes/4', { value: 'yes' })).json()) as { error: { code: string } };
    expect(body.error.code).toBe('invalid_input');
  });

  it('is only served when the app is given a likes store', async () => {
    expect((await createApp({ service }).request('/api/visitors/ana/likes')).status).toBe(404);
  });
});
