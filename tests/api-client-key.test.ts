import { beforeAll, describe, expect, it } from 'vitest';
import { addressKey, type ClientKeyOptions, parseAddress } from '../src/api/client-key.js';
import { createApp } from '../src/api/index.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
beforeAll(async () => {
  service = await createTestService();
});

/** app.request()'s third argument stands in for Node's bindings: the socket the request came from. */
const socket = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

/** An app allowing 2 requests per minute per client, keyed as `clientKey` says. */
const limitedApp = (clientKey?: ClientKeyOptions) => createApp({ service, rateLimit: { windowMs: 60_000, max: 2 }, clientKey });

async function statuses(app: ReturnType<typeof createApp>, n: number, from: string, headers: (i: number) => Record<string, string>) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await app.request('/api/genres', { headers: headers(i) }, socket(from))).status);
  return out;
}

const count = (list: number[], status: number) => list.filter((s) => s === status).length;

describe('parseAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7:50123', '203.0.113.7'],
    [' [2001:DB8::1]:443 ', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['unknown', undefined],
    ['203.0.113.999', undefined],
    ['evil.example:80', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (raw, expected) => {
    expect(parseAddress(raw)).toBe(expected);
  });
});

describe('addressKey', () => {
  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::1:2:3:4:5:1.2.3.4')).toBe('0:1:2:3::/64');
  });
});

describe('the rate-limit key', () => {
  it('is the socket address by default: a rotating X-Forwarded-For is limited like one client', async () => {
    const app = limitedApp();
    const flood = await statuses(app, 20, '198.51.100.9', (i) => ({ 'x-forwarded-for': `203.0.113.${i}` }));
    expect(count(flood, 200)).toBe(2);
    expect(count(flood, 429)).toBe(18);
  });

  it('by default, a forged header naming a real client does not lock that client out', async () => {
    const app = limitedApp();
    const forged = await statuses(app, 10, '198.51.100.9', () => ({ 'x-forwarded-for': '203.0.113.7' }));
    expect(count(forged, 429)).toBe(8);
    expect(await statuses(app, 2, '203.0.113.7', () => ({}))).toEqual([200, 200]);
  });

  it('keys a dual-stack socket address (::ffff:a.b.c.d) as the IPv4 address, and IPv6 clients by /64', async () => {
    const app = limitedApp();
    expect(await statuses(app, 1, '::ffff:192.0.2.1', () => ({}))).toEqual([200]);
    expect(await statuses(app, 2, '192.0.2.1', () => ({}))).toEqual([200, 429]);
    expect(await statuses(app, 1, '2001:db8:0:1::a', () => ({}))).toEqual([200]);
    expect(await statuses(app, 2, '2001:db8:0:1::b', () => ({}))).toEqual([200, 429]);
    expect(await statuses(app, 1, '2001:db8:0:2::a', () => ({}))).toEqual([200]);
  });

  it('with trusted hops N, is X-Forwarded-For[length - N]: what the first trusted proxy saw', async () => {
    const app = limitedApp({ trustedProxyHops: 1 });
    // The proxy (socket 10.0.0.1) appended the address it saw; the client prepended forged entries.
    const flood = await statuses(app, 6, '10.0.0.1', (i) => ({ 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7:50123` }));
    expect(count(flood, 200)).toBe(2);
    // Another real client behind the same proxy has its own budget.
    expect(await statuses(app, 2, '10.0.0.1', () => ({ 'x-forwarded-for': '203.0.113.8' }))).toEqual([200, 200]);
    // Two hops: the rightmost entry is our first proxy's address as the second one saw it.
    const two = limitedApp({ trustedProxyHops: 2 });
    const forged = await statuses(two, 4, '10.0.0.2', (i) => ({ 'x-forwarded-for': `1.1.1.${i}, 203.0.113.7, 10.0.0.9` }));
    expect(forged).toEqual([200, 200, 429, 429]);
    // Fewer entries than hops: the leftmost one, still written by one of ours.
    expect(await statuses(two, 3, '10.0.0.2', () => ({ 'x-forwarded-for': '203.0.113.9' }))).toEqual([200, 200, 429]);
  });

  it('with trusted hops, falls back to the socket address when the header is missing or the entry is not an address', async () => {
    const app = limitedApp({ trustedProxyHops: 1 });
    expect(await statuses(app, 1, '192.0.2.50', () => ({}))).toEqual([200]);
    expect(await statuses(app, 2, '192.0.2.50', () => ({ 'x-forwarded-for': 'unknown' }))).toEqual([200, 429]);
  });

  it('with a client-IP header, takes that header (port cut), ignores X-Forwarded-For, and falls back to the socket', async () => {
    const app = limitedApp({ clientIpHeader: 'client-ip', trustedProxyHops: 1 });
    const flood = await statuses(app, 5, '10.0.0.1', (i) => ({
      'client-ip': `203.0.113.7:${50_000 + i}`,
      'x-forwarded-for': `1.1.1.${i}`,
    }));
    expect(flood).toEqual([200, 200, 429, 429, 429]);
    expect(await statuses(app, 1, '10.0.0.1', () => ({ 'client-ip': '[2001:db8::7]:443' }))).toEqual([200]);
    // Absent or not an address: the socket address (here the front end's), never the forwarded header.
    expect(await statuses(app, 3, '10.0.0.1', (i) => ({ 'client-ip': 'garbage', 'x-forwarded-for': `1.1.2.${i}` }))).toEqual([
      200, 200, 429,
    ]);
  });
});
