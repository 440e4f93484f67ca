import { isIP } from 'node:net';
import type { Context } from 'hono';
import { socketAddress } from './adapters/node.js';

/**
 * Where the rate-limit key comes from. Forwarded headers are the client's to forge unless something we
 * run overwrites or appends to them, so they are read only when a setting says which one to trust.
 */
export interface ClientKeyOptions {
  /**
   * A header a trusted front end sets and overwrites (lower case), e.g. `client-ip` on Azure App Service:
   * "App Service will overwrite any existing header so they cannot be spoofed"
   * (https://github.com/Azure/app-service-linux-docs/blob/master/Things_You_Should_Know/headers.md).
   */
  clientIpHeader?: string;
  /** Proxies in front of the app that each append to X-Forwarded-For; 0 = the header is ignored. */
  trustedProxyHops?: number;
}

/**
 * One address as a proxy writes it, or undefined when it is not an IP address: `1.2.3.4`, `1.2.3.4:5678`
 * and `[2001:db8::1]:443` (App Service adds the client's port, which changes per connection and would give
 * each connection its own budget, so it is cut), `2001:db8::1`, `::ffff:1.2.3.4` (read as 1.2.3.4).
 */
export function parseAddress(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (!text || text.length > 64) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  const withPort = /^([^:]+):\d{1,5}$/.exec(text);
  const address = bracketed?.[1] ?? withPort?.[1] ?? text;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  return isIP(plain) === 0 ? undefined : plain.toLowerCase();
}

/**
 * The client address in X-Forwarded-For behind `hops` trusted proxies. Each proxy appends the address it
 * saw, so the rightmost `hops` entries were written by our own proxies and anything left of them by the
 * client (forgeable). The client is the leftmost entry one of ours wrote: `entries[length - hops]`. A
 * shorter list means the request passed fewer of our proxies than configured; every entry present was
 * then still written by one of ours, and the leftmost is the farthest address they saw.
 */
export function forwardedClient(header: string | undefined, hops: number): string | undefined {
  if (!header || hops < 1) return undefined;
  const entries = header.split(',');
  return parseAddress(entries[Math.max(0, entries.length - hops)]);
}

/**
 * IPv6 clients are usually given a whole /64, so one of them could rotate through 2^64 addresses:
 * an IPv6 address is keyed by its /64 prefix. IPv4 addresses are keyed as they are.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (`64:ff9b::1.2.3.4`) stands for two groups.
  const width = (parts: string[]) => parts.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
  const groups = [...left, ...Array(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** The rate-limit key of a request; see ClientKeyOptions. Without a socket (app.request() in tests): 'unknown'. */
export function clientKeyReader({ clientIpHeader, trustedProxyHops = 0 }: ClientKeyOptions = {}): (c: Context) => string {
  return (c) => {
    // A named header wins over the hops; when it is absent or garbled, the socket (the front end) is the key.
    const forwarded = clientIpHeader
      ? parseAddress(c.req.header(clientIpHeader))
      : forwardedClient(c.req.header('x-forwarded-for'), trustedProxyHops);
    const address = forwarded ?? parseAddress(socketAddress(c)) ?? socketAddress(c);
    return address ? addressKey(address) : 'unknown';
  };
}
