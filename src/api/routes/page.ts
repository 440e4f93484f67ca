import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RecommendationService } from '../../service/index.js';

/**
 * The poster page: `GET /` (index.html) and `GET /static/{file}` for its own script and styles.
 * The files are real files in assets/web/, three levels above both src/api/routes/page.ts and
 * dist/api/routes/page.js, read once at startup. Only the names below are ever served.
 */
const WEB_DIR = new URL('../../../assets/web/', import.meta.url);

const STATIC_FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'insights.js': 'text/javascript; charset=utf-8',
  'visitor.js': 'text/javascript; charset=utf-8',
  'posters.css': 'text/css; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The page loads only its own files and the API; TMDB images are the one outside source. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https://image.tmdb.org",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface WebFile {
  body: string;
  type: string;
  etag: string;
}

type Loaded = { ok: true; file: WebFile } | { ok: false; message: string };

function load(name: string, type: string): Loaded {
  const url = new URL(name, WEB_DIR);
  try {
    const body = readFileSync(url, 'utf8');
    return { ok: true, file: { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` } };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, message: `the poster page is not available: cannot read ${fileURLToPath(url)} (${reason})` };
  }
}

function send(c: Context, loaded: Loaded, extraHeaders: Record<string, string> = {}): Response {
  if (!loaded.ok) return c.json({ error: { code: 'page_unavailable', message: loaded.message } }, 500);
  const { file } = loaded;
  c.header('Cache-Control', 'no-cache');
  c.header('ETag', file.etag);
  c.header('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(extraHeaders)) c.header(name, value);
  if (
    c.req
      .header('If-None-Match')
      ?.split(',')
      .some((t) => t.trim() === file.etag)
  )
    return c.body(null, 304);
  c.header('Content-Type', file.type);
  return c.body(file.body, 200);
}

export function registerPageRoutes(app: OpenAPIHono, _deps: { service: RecommendationService }): void {
  const page = load('index.html', 'text/html; charset=utf-8');
  const assets = new Map(Object.entries(STATIC_FILES).map(([name, type]) => [name, load(name, type)]));

  app.get('/', (c) => send(c, page, { 'Content-Security-Policy': PAGE_CSP, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' }));

  app.get('/static/:file', (c) => {
    const asset = Object.hasOwn(STATIC_FILES, c.req.param('file')) ? assets.get(c.req.param('file')) : undefined;
    if (!asset)
      return c.json(
        {
          error: {
            code: 'not_found',
            message: `no such file; the page serves ${Object.keys(STATIC_FILES)
              .map((f) => `/static/${f}`)
              .join(', ')}`,
          },
        },
        404,
      );
    return send(c, asset);
  });
}
