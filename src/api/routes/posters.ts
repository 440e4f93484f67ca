import { createHash } from 'node:crypto';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { posterSvg } from '../../posters/index.js';
import type { RecommendationService } from '../../service/index.js';
import { LruCache } from '../../util/lru.js';

/** `<id>.svg` with a positive id of at most 10 digits: nothing else ever reaches the service. */
const POSTER_FILE = /^[1-9][0-9]{0,9}\.svg$/;
/** Generated posters kept in memory (≈3 KB each, so ≈6 MB at most). */
const CACHE_ENTRIES = 2000;
const CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=86400';
/** SVG can carry script: a poster may draw, and do nothing else, even when opened on its own. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";

interface CachedPoster {
  svg: string;
  etag: string;
}

const notFound = (c: Context, code: string, message: string) => c.json({ error: { code, message } }, 404);

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** `GET /posters/{id}.svg`: the generated poster of a catalogue movie (see src/posters). */
export function registerPosterRoutes(app: OpenAPIHono, deps: { service: RecommendationService }): void {
  const cache = new LruCache<number, CachedPoster>(CACHE_ENTRIES);

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/posters/{file}',
    tags: ['posters'],
    summary: "A movie's generated poster (SVG, 300×450)",
    request: { params: z.object({ file: z.string().openapi({ pattern: POSTER_FILE.source, example: '1.svg' }) }) },
    responses: {
      200: { description: 'The poster', content: { 'image/svg+xml': { schema: z.string() } } },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
      404: { description: 'Not a poster file name, or an unknown movie id', content: { 'application/json': { schema: ErrorBody } } },
    },
  });

  app.get('/posters/:file', (c) => {
    const file = c.req.param('file');
    if (!POSTER_FILE.test(file)) return notFound(c, 'not_found', 'no such poster: expected /posters/<movie id>.svg');
    const id = Number(file.slice(0, -4));

    let poster = cache.get(id);
    if (!poster) {
      let movie: ReturnType<RecommendationService['getMovie']>;
      try {
        movie = deps.service.getMovie(id);
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === 'unknown_movie') return notFound(c, 'unknown_movie', `unknown movie id: ${id}`);
        throw error;
      }
      const svg = posterSvg(movie);
      poster = { svg, etag: `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"` };
      cache.set(id, poster);
    }

    c.header('Cache-Control', CACHE_CONTROL);
    c.header('ETag', poster.etag);
    c.header('Content-Security-Policy', SVG_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    if (etagMatches(c.req.header('If-None-Match'), poster.etag)) return c.body(null, 304);
    c.header('Content-Type', 'image/svg+xml; charset=utf-8');
    return c.body(poster.svg, 200);
  });
}
