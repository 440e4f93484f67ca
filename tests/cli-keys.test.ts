import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/keys/index.js';
import { runCli } from './helpers/cli.js';

const KEY = /rr_[A-Za-z0-9_-]{43}/g;

describe('reelrec keys', () => {
  it('create prints the key once and its name:hash line, and stores only the hash (mode 0600)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'reelrec-cli-keys-'));
    const r = runCli(['keys', 'create', 'acme-dash', '--limit', '600'], { REELREC_DATA_DIR: home });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const keys = r.stdout.match(KEY) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0] as string;
    const hash = hashApiKey(key);
    expect(r.stdout).toContain(`acme-dash:${hash}:600`);
    expect(r.stdout).toContain('X-API-Key');
    const file = join(home, 'api-keys.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({ keys: [{ name: 'acme-dash', hash, limit: 600 }] });

    const list = runCli(['keys', 'list'], { REELREC_DATA_DIR: home, REELREC_API_KEYS: `ops:${'a'.repeat(64)}` });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+SOURCE\s+CREATED\s+LIMIT\s+SHA-256$/m);
    expect(list.stdout).toMatch(new RegExp(`^acme-dash\\s+file\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+600/min\\s+${hash.slice(0, 12)}…$`, 'm'));
    expect(list.stdout).toMatch(/^ops\s+REELREC_API_KEYS\s+-\s+1200\/min \(default\)\s+aaaaaaaaaaaa…$/m);
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).not.toContain(hash);
  });

  it('refuses a second key of the same name, and revoke removes a key once', async () => {
    const home = await mkdtemp(join(tmpdir(), 'reelrec-cli-keys-'));
    expect(runCli(['keys', 'create', 'dev'], { REELREC_DATA_DIR: home }).status).toBe(0);
    const again = runCli(['keys', 'create', 'dev'], { REELREC_DATA_DIR: home });
    expect(again.status).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/^reelrec: "dev": a key with this name is already in /);

    const revoke = runCli(['keys', 'revoke', 'dev'], { REELREC_DATA_DIR: home });
    expect(revoke.status).toBe(0);
    expect(revoke.stdout).toMatch(/^revoked dev: removed from /);
    expect(JSON.parse(await readFile(join(home, 'api-keys.json'), 'utf8'))).toEqual({ keys: [] });
    const twice = runCli(['keys', 'revoke', 'dev'], { REELREC_DATA_DIR: home });
    expect(twice.status).toBe(1);
    expect(twice.stderr.trim()).toMatch(/^reelrec: "dev": no key with this name in /);
    const env = runCli(['keys', 'revoke', 'ops'], { REELREC_DATA_DIR: home, REELREC_API_KEYS: `ops:${'b'.repeat(64)}` });
    expect(env.status).toBe(1);
    expect(env.stderr.trim()).toMatch(/is set in REELREC_API_KEYS, not in the keys file/);
    expect(runCli(['keys', 'list'], { REELREC_DATA_DIR: home }).stdout).toMatch(/^no keys/);
  });

  it('bad names, limits and settings are one-line errors with exit 2', async () => {
    const home = await mkdtemp(join(tmpdir(), 'reelrec-cli-keys-'));
    for (const args of [
      ['keys', 'create', 'has space'],
      ['keys', 'create', 'dev', '--limit', '0'],
      ['keys', 'create', 'dev', '--limit', 'lots'],
    ]) {
      const r = runCli(args, { REELREC_DATA_DIR: home });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^reelrec: (NAME|--limit): expected/);
    }
    const bad = runCli(['keys', 'list'], { REELREC_DATA_DIR: home, REELREC_API_KEYS: 'oops' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('reelrec: REELREC_API_KEYS: entry 1: expected name:sha256hex[:limit] (as `reelrec keys create` prints)');
  });
});
