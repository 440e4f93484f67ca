import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCli } from '../tests/helpers/cli.js';
import { freshDataDir, killAll, recordSoak, removeScratch, runCommand, serverEnv, sleep, startServer } from './helpers.js';

const LIMIT = 30;
const KEY_LIMIT = 100;

/**
 * Each "client" is its own loopback source address (127.0.0.0/8 is all ours), so the server sees distinct
 * sockets the way it would see distinct hosts: the rate-limit key by default is the socket address.
 */
function clientAt(localAddress: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { agent, localAddress, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

function tally(statuses: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe(`rate limit: forged forwarded headers, a real client, a key holder (REELREC_RATE_LIMIT=${LIMIT})`, () => {
  let server: RunningCli;
  let dataDir: string;
  let key: string;
  const clients: Array<{ close(): void }> = [];

  beforeAll(async () => {
    dataDir = await freshDataDir('rate-limit');
    const created = await runCommand(['keys', 'create', 'soak-dev'], { REELREC_DATA_DIR: dataDir });
    expect(created.status).toBe(0);
    key = /rr_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0] ?? '';
    server = await startServer(
      serverEnv(dataDir, { REELREC_RATE_LIMIT: String(LIMIT), REELREC_API_KEY_RATE_LIMIT: String(KEY_LIMIT), LOG_LEVEL: 'info' }),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await killAll();
    await removeScratch();
  });

  it('limits a forged-header flood like one client, never locks out the client it names, gives a key its own limit', async () => {
    const started = performance.now();
    const at = (address: string) => {
      const c = clientAt(address);
      clients.push(c);
      return c;
    };
    const url = `${server.url.replace('localhost', '127.0.0.1')}/api/genres`;

    // 1. One attacker, 200 requests, a different forged client address in every forwarding header each time.
    const attacker = at('127.0.0.2');
    const flood: number[] = [];
    for (let i = 0; i < 200; i++) {
      const forged = `203.0.113.${i % 250}`;
      const res = await attacker.get(url, { 'x-forwarded-for': forged, 'client-ip': forged, 'x-client-ip': forged, 'x-real-ip': forged });
      flood.push(res.status);
    }

    // 2. Another attacker names the real client (127.0.0.4) in every header until it is limited itself.
    const framer = at('127.0.0.3');
    const framing: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) {
      framing.push((await framer.get(url, { 'x-forwarded-for': '127.0.0.4', 'client-ip': '127.0.0.4:50123' })).status);
    }
    const real = at('127.0.0.4');
    const realClient: number[] = [];
    for (let i = 0; i < LIMIT; i++) realClient.push((await real.get(url)).status);

    // 3. A key holder: its own window of KEY_LIMIT, whatever its address already spent.
    const holder = at('127.0.0.5');
    const keyed: number[] = [];
    for (let i = 0; i < KEY_LIMIT - 1; i++) keyed.push((await holder.get(url, { 'x-api-key': key })).status);
    const usage = await holder.get(`${url.replace('/api/genres', '/api/keys/usage')}`, { 'x-api-key': key });
    for (let i = 0; i < 20; i++) keyed.push((await holder.get(url, { 'x-api-key': key })).status);
    const anonymousBeside = (await holder.get(url)).status;
    const badKey = (await holder.get(url, { 'x-api-key': `${key.slice(0, -1)}A` })).status;

    // 4. Revoked while the server runs: refused within seconds of `revoke` returning, no restart.
    const revoked = await runCommand(['keys', 'revoke', 'soak-dev'], { REELREC_DATA_DIR: dataDir });
    expect(revoked.status).toBe(0);
    const revokedAt = performance.now();
    const checker = at('127.0.0.6');
    let afterRevoke = 0;
    while (performance.now() - revokedAt < 10_000) {
      afterRevoke = (await checker.get(url.replace('/api/genres', '/api/keys/usage'), { 'x-api-key': key })).status;
      if (afterRevoke === 401) break;
      await sleep(100);
    }
    const revokeSeconds = (performance.now() - revokedAt) / 1000;
    await sleep(200);
    const output = server.stdout() + server.stderr();

    const figures = {
      limitPerMinute: LIMIT,
      forgedFlood: { sent: flood.length, ...tally(flood) },
      framingAttacker: { sent: framing.length, ...tally(framing) },
      realClientNamedByForgedHeader: { sent: realClient.length, ...tally(realClient) },
      keyHolder: { keyLimit: KEY_LIMIT, sent: keyed.length + 1, ...tally([...keyed, usage.status]) },
      usageAnswer: JSON.parse(usage.body) as unknown,
      anonymousBesideKey: anonymousBeside,
      invalidKey: badKey,
      revokeTakesEffectSeconds: Number(revokeSeconds.toFixed(2)),
      keyInServerOutput: output.includes(key) || output.includes(key.slice(3, 23)),
      requestLogLines: (output.match(/"msg":"request"/g) ?? []).length,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    await recordSoak('rate_limit', figures);

    expect(tally(flood)).toEqual({ 200: LIMIT, 429: 200 - LIMIT });
    expect(tally(framing)).toEqual({ 200: LIMIT, 429: LIMIT });
    expect(tally(realClient)).toEqual({ 200: LIMIT });
    expect(tally([...keyed, usage.status])).toEqual({ 200: KEY_LIMIT, 429: 20 });
    expect(figures.usageAnswer).toEqual({ name: 'soak-dev', requests: KEY_LIMIT, windowLimit: KEY_LIMIT, windowRemaining: 0 });
    expect(anonymousBeside).toBe(200);
    expect(badKey).toBe(401);
    expect(afterRevoke).toBe(401);
    expect(revokeSeconds).toBeLessThan(5);
    expect(figures.keyInServerOutput).toBe(false);
    expect(figures.requestLogLines).toBeGreaterThan(400);
    expect(figures.seconds).toBeLessThan(60);
  });
});
