import type { OpenAPIHono } from '@hono/zod-openapi';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { posterSvg } from '../src/posters/index.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
let app: OpenAPIHono;

beforeAll(async () => {
  service = await createTestService();
  app = createApp({ service });
});

async function expectNotFoundJson(path: string): Promise<void> {
  const res = await app.request(path);
  expect(res.status, path).toBe(404);
  expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.code, path).toBe('string');
  expect(body.error.message.length, path).toBeGreaterThan(0);
}

describe('GET /posters/{id}.svg', () => {
  it("serves the movie's generated poster with caching and a no-script policy", async () => {
    const res = await app.request('/posters/7.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const svg = await res.text();
    expect(svg).toBe(posterSvg(service.getMovie(7)));
    expect(svg).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Quoted&quot;');
    expect(svg).not.toContain('<b>');
  });

  it('answers the same ETag again (from the cache) and 304 to If-None-Match', async () => {
    const first = await app.request('/posters/12.svg');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.request('/posters/12.svg');
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe(await first.text());
    const cached = await app.request('/posters/12.svg', { headers: { 'If-None-Match': etag as string } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    expect((await app.request('/posters/13.svg')).headers.get('etag')).not.toBe(etag);
  });

  it('an unknown movie id is a 404 JSON error', async () => {
    const res = await app.request('/posters/999999.svg');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_movie');
  });

  it.each([
    '/posters/0.svg',
    '/posters/007.svg',
    '/posters/-1.svg',
    '/posters/1.png',
    '/posters/1.svg.js',
    '/posters/1.SVG',
    '/posters/1',
    '/posters/12345678901.svg',
    '/posters/..%2f..%2fpackage.json',
    '/posters/%2e%2e%2fpackage.json',
    '/posters/..%5c..%5cpackage.json',
    '/posters/1.svg%00.png',
    '/posters/%00',
    '/posters/1%2esvg%2f..',
    '/posters/../package.json',
    '/posters/',
    '/posters/1.svg/extra',
  ])('%s is a 404 JSON error', async (path) => {
    await expectNotFoundJson(path);
  });

  it('path tricks never reach the service', async () => {
    let calls = 0;
    const spy = createApp({
      service: {
        ...service,
        getMovie(id: number) {
          calls++;
          return service.getMovie(id);
        },
      },
    });
    for (const path of ['/posters/..%2fsecret.svg', '/posters/%2e%2e.svg', '/posters/1.svg%00', '/posters/1e3.svg', '/posters/0x1.svg']) {
      expect((await spy.request(path)).status, path).toBe(404);
    }
    expect(calls).toBe(0);
    expect((await spy.request('/posters/1.svg')).status).toBe(200);
    expect(calls).toBe(1);
  });
});

describe('the poster page', () => {
  it('serves index.html with a strict policy and only the whitelisted static files', async () => {
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/static/app.js"></script>');
    for (const [file, type] of [
      ['app.js', 'text/javascript'],
      ['dom.js', 'text/javascript'],
      ['insights.js', 'text/javascript'],
      ['visitor.js', 'text/javascript'],
      ['app.css', 'text/css'],
      ['posters.css', 'text/css'],
    ]) {
      const res = await app.request(`/static/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(`${type}; charset=utf-8`);
      expect(res.headers.get('etag'), file).toBeTruthy();
    }
    for (const path of ['/static/index.html', '/static/..%2f..%2fpackage.json', '/static/app.js.map', '/static/constructor', '/static/']) {
      await expectNotFoundJson(path);
    }
  });

  it('never builds the page with innerHTML', async () => {
    for (const file of ['app.js', 'dom.js', 'insights.js', 'visitor.js']) {
      const js = await (await app.request(`/static/${file}`)).text();
      expect(js, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
