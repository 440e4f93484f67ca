import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ApiKeyRegistry } from '../../keys/index.js';
import { FixedWindowLimiter, type RateLimitVerdict } from '../../util/rate-limiter.js';
import { ApiError } from '../errors.js';

/** Probes must never be throttled; the page pulls dozens of posters and assets per view. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz']);
const EXEMPT_PREFIXES = ['/static/', '/posters/', '/docs/assets/'];

export function isRateLimitExempt(path: string): boolean {
  return EXEMPT_PATHS.has(path) || EXEMPT_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** Developers send their key in this header only (Authorization: Bearer is the visitors' token). */
export const API_KEY_HEADER = 'x-api-key';

/** What GET /api/keys/usage answers, set on the context of every request made with a valid key. */
export interface ApiKeyUsage {
  name: string;
  /** Requests this instance served for the key since it started. */
  requests: number;
  windowLimit: number;
  windowRemaining: number;
}

declare module 'hono' {
  interface ContextVariableMap {
    apiKeyUsage?: ApiKeyUsage;
  }
}

export interface ClientLimitOptions {
  windowMs: number;
  /** Requests per window for each anonymous client key; 0 = anonymous clients are not limited. */
  max: number;
  /** The anonymous client's key (client-key.ts). */
  clientKey: (c: Context) => string;
  /** Developer keys: each valid key gets its own window of `max` (or the key's own limit) per window. */
  apiKeys?: { registry: ApiKeyRegistry; max: number };
}

function tooMany(verdict: Extract<RateLimitVerdict, { allowed: false }>): ApiError {
  const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
  return new ApiError(
    'rate_limited',
    `too many requests; retry in ${seconds} s`,
    { retryAfterSeconds: seconds },
    { 'Retry-After': String(seconds) },
  );
}

/**
 * Per-client fixed windows. A request with X-API-Key is counted against that key (by name) and never
 * against its address; a key that is not valid is refused with 401 `invalid_api_key`, never served as
 * anonymous, and still counted against its address so a stream of bad keys is limited like anything else.
 */
export function rateLimit({ windowMs, max, clientKey, apiKeys }: ClientLimitOptions) {
  const anonymous = max > 0 ? new FixedWindowLimiter({ windowMs, max }) : null;
  // One window per key name: bounded by the number of keys, so no overflow window is ever needed.
  const keyed = apiKeys ? new FixedWindowLimiter({ windowMs, max: apiKeys.max, maxClients: 1_000_000 }) : null;
  const served = new Map<string, number>();

  const limitAnonymous = (c: Context) => {
    const verdict = anonymous?.hit(clientKey(c));
    if (verdict && !verdict.allowed) throw tooMany(verdict);
  };

  return createMiddleware(async (c, next) => {
    if (isRateLimitExempt(c.req.path)) return next();
    const presented = c.req.header(API_KEY_HEADER);
    if (presented === undefined) {
      limitAnonymous(c);
      return next();
    }
    const entry = apiKeys ? await apiKeys.registry.lookup(presented.trim()) : null;
    if (!entry || !keyed) {
      limitAnonymous(c);
      throw new ApiError('invalid_api_key', 'the X-API-Key is not a valid key (revoked, mistyped or not from this server)');
    }
    const verdict = keyed.hit(entry.name, entry.limit ?? apiKeys?.max);
    if (!verdict.allowed) throw tooMany(verdict);
    const requests = (served.get(entry.name) ?? 0) + 1;
    served.set(entry.name, requests);
    c.set('apiKeyUsage', { name: entry.name, requests, windowLimit: verdict.limit, windowRemaining: verdict.remaining });
    await next();
  });
}
