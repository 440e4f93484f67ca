import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { type Logger, pino } from 'pino';
import type { RecommendationService, VisitorLikes } from '../service/index.js';
import { ApiError } from './errors.js';
import { notFound, onError, validationHook } from './middleware/errors.js';
import { rateLimit } from './middleware/rate-limit.js';
import { requestLog } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security.js';
import { registerDocRoutes } from './routes/docs.js';
import { registerGenreRoutes } from './routes/genres.js';
import { registerHealthRoutes } from './routes/health.js';
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
  /** Per-client fixed window; null/undefined = off. */
  rateLimit?: { windowMs: number; max: number } | null;
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
        allowHeaders: ['Content-Type', 'X-Request-Id', 'Authorization'],
        exposeHeaders: ['X-Request-Id', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  if (limits && limits.max > 0) app.use('*', rateLimit(limits));
  app.use(
    '*',
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: () => {
        throw new ApiError('payload_too_large', `the body is larger than ${bodyLimitBytes} bytes`, { limitBytes: bodyLimitBytes });
      },
    }),
  );

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
  registerDocRoutes(app);
  return app;
}
