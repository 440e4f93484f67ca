import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import { TMDB_IMAGE_BASE } from '../movie-json.js';

const TMDB_ORIGIN = new URL(TMDB_IMAGE_BASE).origin;
const SWAGGER_CDN = 'https://cdn.jsdelivr.net';

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

/** Swagger UI comes from a CDN and starts with an inline script, so only /docs gets this looser policy. */
const docs = secureHeaders({
  overwrite: false,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'", SWAGGER_CDN],
    styleSrc: ["'self'", "'unsafe-inline'", SWAGGER_CDN],
    imgSrc: ["'self'", 'data:', SWAGGER_CDN],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

export const DOCS_PATH = '/docs';

export const securityHeaders = createMiddleware((c, next) => (c.req.path === DOCS_PATH ? docs(c, next) : strict(c, next)));
