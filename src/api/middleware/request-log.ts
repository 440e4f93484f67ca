import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';

const MAX_PATH = 200;

/** One line per request. Headers, query strings and bodies are never logged: they may hold secrets. */
export function requestLog(logger: Logger) {
  return createMiddleware(async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      reqId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path.slice(0, MAX_PATH),
      status,
      ms: Math.round((performance.now() - start) * 10) / 10,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  });
}
