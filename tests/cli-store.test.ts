import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLikeChanges, maintenanceLockFile, openStore } from '../src/store/index.js';
import { runCliAsync } from './helpers/cli.js';

const embedder = { id: 'test-embedder', model: 'unit/model-4', dimension: 4 };
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelrec-cli-store-'));
  env = { REELREC_DATA_DIR: dataDir };
  const store = await openStore({ uri: join(dataDir, 'lancedb'), dimension: 4, embedder });
  try {
    for (let i = 0; i < 30; i++) await applyLikeChanges(store, [{ user: 'web:v1', movie: i % 7, value: i % 2 ? 1 : -1 }], 'web');
    await store.tables.likes.add([{ user_id: 'web:v1', movie_id: 99, value: 1, source: 'web', time: new Date(5) }]);
    await store.tables.likes.add([{ user_id: 'web:v1', movie_id: 99, value: -1, source: 'web', time: new Date(9) }]);
  } finally {
    store.close();
  }
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const likesRow = (out: string) =>
  out
    .split('\n')
    .find((l) => l.startsWith('likes'))
    ?.trim()
    .split(/\s+/) ?? [];

describe('reelrec store', () => {
  it('stats lists versions, rows and bytes per table', async () => {
    const r = await runCliAsync(['store', 'stats'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/table\s+versions\s+rows\s+fragments\s+MB on disk/);
    const [, versions, rows, fragments, mb] = likesRow(r.stdout);
    expect(Number(versions)).toBeGreaterThan(30);
    // 30 changes appended as rows, plus the two duplicate rows: upkeep has not run yet.
    expect(Number(rows)).toBe(32);
    expect(Number(fragments)).toBeGreaterThan(1);
    expect(Number(mb)).toBeGreaterThan(0);
  });

  it('optimize refuses with one line while another live process holds the upkeep lock', async () => {
    const file = maintenanceLockFile(join(dataDir, 'lancedb')) as string;
    const now = new Date().toISOString();
    await writeFile(file, JSON.stringify({ pid: process.pid, host: hostname(), since: now, refreshed: now, token: 't' }));
    try {
      const r = await runCliAsync(['store', 'optimize'], env);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `reelrec: store upkeep already runs in pid ${process.pid} on ${hostname()} (since ${now}); lock ${file} — wait for it, or stop that process`,
      ]);
    } finally {
      await rm(file);
    }
  });

  it('optimize compacts, removes old versions and repairs duplicates, then releases the lock', async () => {
    const r = await runCliAsync(['store', 'optimize', '--grace', '0'], env);
    expect(r.status, r.stderr).toBe(0);
    const [, versions, removed, merged] = likesRow(r.stdout);
    expect(Number(removed)).toBeGreaterThan(0);
    expect(Number(removed)).toBeLessThanOrEqual(Number(versions));
    expect(Number(merged)).toBeGreaterThan(1);
    // 23 rows superseded by later changes of the 7 movies, and one of the two duplicates.
    expect(r.stdout).toContain('duplicate likes repaired: 24;');
    const after = await runCliAsync(['store', 'stats'], env);
    const [, , rows, fragments] = likesRow(after.stdout);
    expect(Number(rows)).toBe(8);
    expect(Number(fragments)).toBe(1);
    // The lock is gone: a second run goes through.
    expect((await runCliAsync(['store', 'optimize'], env)).status).toBe(0);
  });

  it('a bad --grace is refused with one line and exit 2', async () => {
    const r = await runCliAsync(['store', 'optimize', '--grace', 'soon'], env);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--grace');
  });

  it('an empty data dir is refused with what to run', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'reelrec-cli-store-empty-'));
    try {
      const r = await runCliAsync(['store', 'stats'], { REELREC_DATA_DIR: empty });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('reelrec build');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
