import type { Context } from 'hono';
import { socketAddress } from './adapters/node.js';

const MAX_KEY_LENGTH = 64;

/**
 * The client's address as the first proxy saw it. Azure App Service appends the port (`1.2.3.4:5678`,
 * `[::1]:5678`), which changes per connection and would give every connection its own budget, so it is cut.
 */
export function forwardedClient(header: string | undefined): string | undefined {
  const first = header?.split(',')[0]?.trim();
  if (!first) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(first);
  const address = bracketed ? bracketed[1] : /^[^:]+:\d+$/.test(first) ? first.slice(0, first.lastIndexOf(':')) : first;
  return address?.slice(0, MAX_KEY_LENGTH);
}

/** Rate-limit key: trusts X-Forwarded-For because the app is meant to run behind a proxy that sets it. */
export function clientKey(c: Context): string {
  return forwardedClient(c.req.header('x-forwarded-for')) ?? socketAddress(c) ?? 'unknown';
}
