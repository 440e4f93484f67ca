import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';

const MAX_PATH = 200;

/** A developer key pasted into a URL path (a client mistake) is still never written to the log. */
const KEY_IN_PATH = /rr_[A-Za-z0-9_-]{20,}/g;

/** The request path as logs show it: cut to a bounded length, any key-like part redacted. */
export function loggedPath(path: string): string {
  return path.replace(KEY_IN_PATH, 'rr_[redacted]').slice(0, MAX_PATH);
}

/** One line per request. Headers, query strings and bodies are never logged: they may hold secrets. */
export function requestLog(logger: Logger) {
  return createMiddleware(async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      reqId: c.get('requestId'),
      method: c.req.method,
      path: loggedPath(c.req.path),
      status,
      ms: Math.round((performance.now() - start) * 10) / 10,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  });
}
