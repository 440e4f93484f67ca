import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.js';
import { ConfigError } from '../src/errors.js';
import {
  ApiKeyRegistry,
  generateApiKey,
  hashApiKey,
  KeysFileError,
  keysFilePath,
  parseApiKeysSetting,
  readKeysFile,
  updateKeysFile,
} from '../src/keys/index.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestService } from './helpers/service.js';

let service: RecommendationService;
beforeAll(async () => {
  service = await createTestService();
});

const socket = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

/** A pino logger writing to memory, so a test can read every line the app logged. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

async function addKey(file: string, name: string, limit?: number): Promise<string> {
  const key = generateApiKey();
  await updateKeysFile(file, (entries) => ({
    entries: [...entries, { name, hash: hashApiKey(key), created: new Date().toISOString(), source: 'file', ...(limit ? { limit } : {}) }],
    result: undefined,
  }));
  return key;
}

async function keysDir(): Promise<string> {
  return keysFilePath(await mkdtemp(join(tmpdir(), 'reelrec-keys-')));
}

describe('API key format and REELREC_API_KEYS', () => {
  it('a key is rr_ and 43 base64url characters (256 bits); only its sha256 hex is stored', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^rr_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('parses name:hash[:limit] entries and refuses a bad one without echoing it', () => {
    const hash = hashApiKey(generateApiKey());
    expect(parseApiKeysSetting(` a:${hash}, b:${hash.toUpperCase()}:50 ,`)).toEqual([
      { name: 'a', hash, source: 'env' },
      { name: 'b', hash, limit: 50, source: 'env' },
    ]);
    expect(parseApiKeysSetting(undefined)).toEqual([]);
    const pasted = generateApiKey();
    // Someone pasted the key itself instead of name:hash: the error must not print it.
    expect(() => parseApiKeysSetting(pasted)).toThrow(ConfigError);
    try {
      parseApiKeysSetting(`x:${pasted}`);
    } catch (error) {
      expect((error as Error).message).toMatch(/^REELREC_API_KEYS: entry 1: expected name:sha256hex/);
      expect((error as Error).message).not.toContain(pasted);
    }
    expect(() => parseApiKeysSetting(`a:${hash},a:${hash}`)).toThrow(/listed twice/);
    expect(() => parseApiKeysSetting(`a:${hash}:0`)).toThrow(/limit/);
  });
});

describe('keys file', () => {
  it('is written with mode 0600, holds hashes only, and a missing file means no keys', async () => {
    const file = await keysDir();
    expect(await readKeysFile(file)).toEqual([]);
    const key = await addKey(file, 'dev', 7);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toContain(hashApiKey(key));
    expect(await readKeysFile(file)).toMatchObject([{ name: 'dev', hash: hashApiKey(key), limit: 7, source: 'file' }]);
  });

  it('two concurrent updates both land (the lock serialises them)', async () => {
    const file = await keysDir();
    await Promise.all(Array.from({ length: 5 }, (_, i) => addKey(file, `k${i}`)));
    expect((await readKeysFile(file)).map((k) => k.name).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it('the registry looks at the file at most once per recheck interval', async () => {
    const file = await keysDir();
    const key = await addKey(file, 'dev');
    let now = 0;
    const registry = await ApiKeyRegistry.open({ envKeys: [], file, recheckMs: 2_000, now: () => now });
    expect(await registry.lookup(key)).toMatchObject({ name: 'dev', source: 'file' });
    await updateKeysFile(file, () => ({ entries: [], result: undefined }));
    now = 1_999;
    expect(await registry.lookup(key)).not.toBeNull();
    now = 2_000;
    expect(await registry.lookup(key)).toBeNull();
    expect(registry.size).toBe(0);
  });

  it('a malformed file stops the registry from opening', async () => {
    const file = await keysDir();
    await addKey(file, 'dev');
    await writeFile(file, '{"keys": [{"name": "dev"}]}');
    await expect(ApiKeyRegistry.open({ envKeys: [], file })).rejects.toThrow(KeysFileError);
  });
});

describe('X-API-Key on the API', () => {
  async function setup(recheckMs = 0) {
    const file = await keysDir();
    const dev = await addKey(file, 'dev');
    const small = await addKey(file, 'small', 3);
    const envKey = generateApiKey();
    const log = capturedLogger();
    const registry = await ApiKeyRegistry.open({
      envKeys: parseApiKeysSetting(`ops:${hashApiKey(envKey)}`),
      file,
      recheckMs,
      logger: log.logger,
    });
    const app = createApp({ service, logger: log.logger, rateLimit: { windowMs: 60_000, max: 2 }, apiKeys: { registry, max: 5 } });
    const get = (path: string, key?: string, from = '192.0.2.1') =>
      app.request(path, { headers: key === undefined ? {} : { 'x-api-key': key } }, socket(from));
    return { file, dev, small, envKey, app, get, log };
  }

  const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it('a valid key gets its own, higher limit, apart from its address', async () => {
    const { dev, get } = await setup();
    const anonymous = [];
    for (let i = 0; i < 3; i++) anonymous.push((await get('/api/genres')).status);
    expect(anonymous).toEqual([200, 200, 429]);
    // Same address, already over the anonymous budget: the key's window is its own.
    const keyed = [];
    for (let i = 0; i < 6; i++) keyed.push((await get('/api/genres', dev)).status);
    expect(keyed).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('a key with its own limit uses it, and a REELREC_API_KEYS key works too', async () => {
    const { small, envKey, get } = await setup();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/api/genres', small)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await get('/api/genres', envKey)).status).toBe(200);
  });

  it('an unknown or malformed key is 401 invalid_api_key, never served as anonymous, and still limited by address', async () => {
    const { get } = await setup();
    for (const bad of [generateApiKey(), 'rr_short', '', 'Bearer x']) {
      const res = await get('/api/genres', bad, `198.51.100.${bad.length}`);
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe('invalid_api_key');
    }
    const fromOne = [];
    for (let i = 0; i < 3; i++) fromOne.push((await get('/api/genres', generateApiKey(), '203.0.113.1')).status);
    expect(fromOne).toEqual([401, 401, 429]);
  });

  it('GET /api/keys/usage answers the key, its requests and its window', async () => {
    const { dev, get } = await setup();
    await get('/api/genres', dev);
    await get('/api/movies/1', dev);
    const res = await get('/api/keys/usage', dev);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'dev', requests: 3, windowLimit: 5, windowRemaining: 2 });
    const anonymous = await get('/api/keys/usage');
    expect(anonymous.status).toBe(401);
    expect(await codeOf(anonymous)).toBe('invalid_api_key');
  });

  it('revoking a key in the file takes effect without a restart', async () => {
    const { file, dev, small, get } = await setup();
    expect((await get('/api/genres', dev)).status).toBe(200);
    await updateKeysFile(file, (entries) => ({ entries: entries.filter((e) => e.name !== 'dev'), result: undefined }));
    expect((await get('/api/genres', dev)).status).toBe(401);
    expect((await get('/api/genres', small)).status).toBe(200);
  });

  it('a file broken while serving refuses its keys (fail closed) and logs it once; fixed, they work again', async () => {
    const { file, dev, envKey, get, log } = await setup();
    const good = await readFile(file, 'utf8');
    await writeFile(file, 'not json', { mode: 0o600 });
    expect((await get('/api/genres', dev)).status).toBe(401);
    expect((await get('/api/genres', dev, '192.0.2.2')).status).toBe(401);
    expect((await get('/api/genres', envKey)).status).toBe(200);
    expect(log.text().match(/api keys file unreadable/g)).toHaveLength(1);
    expect(log.text()).toContain('is not a keys file');
    await writeFile(file, good);
    expect((await get('/api/genres', dev)).status).toBe(200);
  });

  it('the key never reaches the log, not even when sent in a path', async () => {
    const { dev, get, log } = await setup();
    await get('/api/genres', dev);
    await get('/api/keys/usage', dev);
    await get('/api/genres', generateApiKey());
    await get(`/api/movies/${dev}`, dev);
    await get(`/nope/${dev}`);
    const text = log.text();
    // There is output (one line per request), and none of it holds the key or its random part.
    expect(text.match(/"msg":"request"/g)?.length).toBe(5);
    expect(text).toContain('rr_[redacted]');
    expect(text).not.toContain(dev);
    expect(text).not.toContain(dev.slice(3, 23));
  });
});
