import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import { TMDB_IMAGE_BASE } from '../movie-json.js';

const TMDB_ORIGIN = new URL(TMDB_IMAGE_BASE).origin;

/**
 * `overwrite: false` lets a route keep a stricter policy of its own (an SVG poster allows no script at all).
 * The page loads only its own /static JS and CSS; posters are self-drawn SVG, data: URIs or TMDB images. */
const strict = secureHeaders({
  overwrite: false,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', TMDB_ORIGIN],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

/**
 * Swagger UI is served from the installed swagger-ui-dist package and started by our own /docs/init.js, so
 * scripts and styles come only from this origin (tests/docs-e2e.test.ts renders it in Chromium with no
 * violation); its icons are data: URIs. No third party is named, not even TMDB.
 */
const docs = secureHeaders({
  overwrite: false,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

export const DOCS_PATH = '/docs';

const isDocs = (path: string) => path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);

export const securityHeaders = createMiddleware((c, next) => (isDocs(c.req.path) ? docs(c, next) : strict(c, next)));
