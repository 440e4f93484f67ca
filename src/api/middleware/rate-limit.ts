import { createMiddleware } from 'hono/factory';
import { FixedWindowLimiter } from '../../util/rate-limiter.js';
import { clientKey } from '../client-key.js';
import { ApiError } from '../errors.js';

/** Probes must never be throttled; the page pulls dozens of posters and assets per view. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz']);
const EXEMPT_PREFIXES = ['/static/', '/posters/'];

export function isRateLimitExempt(path: string): boolean {
  return EXEMPT_PATHS.has(path) || EXEMPT_PREFIXES.some((prefix) => path.startsWith(prefix));
}

export function rateLimit(options: { windowMs: number; max: number }) {
  const limiter = new FixedWindowLimiter(options);
  return createMiddleware(async (c, next) => {
    if (isRateLimitExempt(c.req.path)) return next();
    const verdict = limiter.hit(clientKey(c));
    if (!verdict.allowed) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      throw new ApiError(
        'rate_limited',
        `too many requests; retry in ${seconds} s`,
        { retryAfterSeconds: seconds },
        { 'Retry-After': String(seconds) },
      );
    }
    await next();
  });
}
