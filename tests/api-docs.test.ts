import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  const service: RecommendationService = await createTestService();
  app = createApp({ service });
});

describe('/docs: Swagger UI from the installed swagger-ui-dist', () => {
  it('the page has no inline script and references only same-origin assets', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) expect(ref).toMatch(/^\/docs\//);
    // Every <script> has a src and no body.
    for (const script of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1]).toMatch(/src="/);
      expect(script[2]?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\sstyle=|<style/);
  });

  it('every /docs response carries one CSP that names no third party and no inline script', async () => {
    for (const path of ['/docs', '/docs/init.js', '/docs/assets/swagger-ui.css', '/docs/assets/nope']) {
      const csp = (await app.request(path)).headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toMatch(/https?:\/\//);
      expect(csp).not.toContain('*');
      expect(/script-src[^;]*/.exec(csp)?.[0]).toBe("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    }
  });

  it('serves the assets with their content types, cacheable, revalidated by ETag', async () => {
    const js = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('SwaggerUIBundle');
    const css = await app.request('/docs/assets/swagger-ui.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('max-age');
    const png = await app.request('/docs/assets/favicon-32x32.png');
    expect(png.headers.get('content-type')).toBe('image/png');
    const etag = css.headers.get('etag') ?? '';
    expect((await app.request('/docs/assets/swagger-ui.css', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const init = await app.request('/docs/init.js');
    expect(init.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await init.text()).toContain('validatorUrl: null');
  });

  it.each([
    '/docs/assets/package.json',
    '/docs/assets/index.html',
    '/docs/assets/swagger-ui-bundle.js.map',
    '/docs/assets/..%2fpackage.json',
    '/docs/assets/..%2f..%2f..%2fpackage.json',
    '/docs/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/docs/assets/../../package.json',
    '/docs/assets/constructor',
    '/docs/assets/',
  ])('refuses %s with a JSON 404', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
