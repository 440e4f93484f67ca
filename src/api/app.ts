import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { type Logger, pino } from 'pino';
import type { ApiKeyRegistry } from '../keys/index.js';
import type { RecommendationService, VisitorLikes } from '../service/index.js';
import { type ClientKeyOptions, clientKeyReader } from './client-key.js';
import { limitBody } from './middleware/body-limit.js';
import { notFound, onError, validationHook } from './middleware/errors.js';
import { rateLimit } from './middleware/rate-limit.js';
import { requestLog } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security.js';
import { registerDocRoutes } from './routes/docs.js';
import { registerGenreRoutes } from './routes/genres.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerMovieRoutes } from './routes/movies.js';
import { registerPageRoutes } from './routes/page.js';
import { registerPosterRoutes } from './routes/posters.js';
import { registerRecommendRoutes } from './routes/recommend.js';
import { type CookieSecure, registerVisitorRoutes } from './routes/visitors.js';

export interface AppOptions {
  service: RecommendationService;
  /** Default: silent. */
  logger?: Logger;
  /**
   * [] = no CORS headers (same-origin only); ['*'] = any origin, never with credentials (cookies);
   * a list of origins = those origins, with credentials.
   */
  corsOrigins?: string[];
  /** Per-client fixed window for anonymous clients; null/undefined or max 0 = off. */
  rateLimit?: { windowMs: number; max: number } | null;
  /** Which address a client is limited by: the socket's unless a trusted header or proxy hops are named. */
  clientKey?: ClientKeyOptions;
  /**
   * Developer API keys (X-API-Key): each valid key has its own window of `max` requests (or the key's own
   * limit) per rateLimit window; a bad key answers 401. GET /api/keys/usage exists only when given.
   */
  apiKeys?: { registry: ApiKeyRegistry; max: number };
  /** Default 65536. */
  bodyLimitBytes?: number;
  /** Whether Movie JSON carries TMDB image URLs; default false. */
  remotePosters?: boolean;
  /** Visitors' stored likes; the /api/visitors routes exist only when given. */
  visitorLikes?: VisitorLikes;
  /** Secure flag of the visitor cookie; auto (default) = when the request URL is https. */
  cookieSecure?: CookieSecure;
}

export const DEFAULT_BODY_LIMIT_BYTES = 65_536;

/** The whole HTTP surface, runtime-neutral: serve it with adapters/node.ts or call `app.request()` in tests. */
export function createApp(options: AppOptions): OpenAPIHono {
  const { service, corsOrigins = [], rateLimit: limits, bodyLimitBytes = DEFAULT_BODY_LIMIT_BYTES, remotePosters = false } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.onError(onError(logger));
  app.notFound(notFound);

  // Order matters: the id and the log line wrap everything, so even a rejected request is traced.
  app.use('*', requestId());
  app.use('*', requestLog(logger));
  app.use('*', securityHeaders);
  if (corsOrigins.length > 0) {
    const anyOrigin = corsOrigins.includes('*');
    app.use(
      '*',
      cors({
        origin: anyOrigin ? '*' : corsOrigins,
        // Any site may call with a bearer token it holds, but never with the visitor's cookie.
        credentials: !anyOrigin,
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'X-Request-Id', 'Authorization', 'X-API-Key'],
        exposeHeaders: ['X-Request-Id', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  const anonymousMax = limits?.max ?? 0;
  if (anonymousMax > 0 || options.apiKeys) {
    const windowMs = limits?.windowMs ?? 60_000;
    app.use('*', rateLimit({ windowMs, max: anonymousMax, clientKey: clientKeyReader(options.clientKey), apiKeys: options.apiKeys }));
  }
  app.use('*', limitBody(bodyLimitBytes));

  const deps = { service, movieJson: { remotePosters } };
  registerHealthRoutes(app, { service, logger });
  registerRecommendRoutes(app, deps);
  registerMovieRoutes(app, deps);
  registerGenreRoutes(app, deps);
  if (options.visitorLikes) {
    registerVisitorRoutes(app, { ...deps, likes: options.visitorLikes, cookieSecure: options.cookieSecure ?? 'auto' });
  }
  registerPosterRoutes(app, { service });
  registerPageRoutes(app, { service });
  if (options.apiKeys) registerKeyRoutes(app);
  registerDocRoutes(app);
  return app;
}
