import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import {
  applyLikeChanges,
  countMovies,
  getMovie,
  likesOf,
  openStore,
  SCHEMA_VERSION,
  STORE_CACHE_BYTES,
  type Store,
  StoreEmbedderMismatchError,
  StoreSchemaError,
  upsertMovies,
} from '../src/store/index.js';

const embedder = { id: 'test-embedder', model: 'unit/model-4', dimension: 4 };

let dir: string;
const open: Store[] = [];

async function openAt(uri: string, overrides: Partial<typeof embedder> = {}, overwrite = false): Promise<Store> {
  const e = { ...embedder, ...overrides };
  const store = await openStore({ uri, dimension: e.dimension, embedder: e, overwrite });
  open.push(store);
  return store;
}

/** Every file with its size and mtime, to prove a refused open wrote nothing. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const s = await stat(path);
    out.push(`${path} ${s.size} ${s.mtimeMs}`);
  }
  return out.sort();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrec-store-open-'));
});

afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await rm(dir, { recursive: true, force: true });
});

const movie = { id: 1, title: 'Toy Story (1995)', year: 1995, genres: ['Animation', "Children's"], vector: [1, 0, 0, 0] };

describe('openStore', () => {
  it('gives LanceDB bounded caches, and they are the ones in use', async () => {
    const store = await openAt(join(dir, 'cached'));
    for (let i = 0; i < 30; i++) await applyLikeChanges(store, [{ user: `u${i % 3}`, movie: i, value: 1 }], 'web');
    for (let i = 0; i < 3; i++) await likesOf(store, `u${i}`);
    // Non-zero: the bounded session is the one the connection caches in (lancedb 0.31 drops a session passed any other way).
    expect(store.cacheBytes()).toBeGreaterThan(0);
    expect(store.cacheBytes()).toBeLessThanOrEqual(STORE_CACHE_BYTES.index + STORE_CACHE_BYTES.metadata);
  });

  it('creates a store, then reopens it with the data and meta intact', async () => {
    const uri = join(dir, 'db');
    const first = await openAt(uri);
    expect(first.created).toBe(true);
    await upsertMovies(first, [movie]);
    first.close();

    const again = await openAt(uri);
    expect(again.created).toBe(false);
    expect(again.createdAt).toBe(first.createdAt);
    expect(again.embedder).toEqual(embedder);
    expect(await countMovies(again)).toBe(1);
    expect((await getMovie(again, 1))?.title).toBe('Toy Story (1995)');
  });

  it.each([
    ['id', { id: 'other-embedder' }],
    ['model', { model: 'unit/model-4b' }],
    ['dimension', { dimension: 8 }],
  ])('refuses a store made by an embedder with another %s and leaves it untouched', async (_what, overrides) => {
    const uri = join(dir, 'db');
    const store = await openAt(uri);
    await upsertMovies(store, [movie]);
    store.close();
    const before = await snapshot(uri);

    const err = await openAt(uri, overrides).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreEmbedderMismatchError);
    const mismatch = err as StoreEmbedderMismatchError;
    expect(mismatch.code).toBe('store_embedder_mismatch');
    expect(mismatch.stored).toEqual(embedder);
    expect(mismatch.message).toContain('test-embedder (unit/model-4, 4-d)');
    expect(mismatch.message).toContain('reelrec build');
    expect(await snapshot(uri)).toEqual(before);
    expect(await countMovies(await openAt(uri))).toBe(1);
  });

  it.each([0, 99])('refuses schema version %i with both versions in the error, untouched', async (version) => {
    const uri = join(dir, 'db');
    const store = await openAt(uri);
    await store.tables.meta.update({ where: "key = 'schema_version'", values: { value: String(version) } });
    store.close();
    const before = await snapshot(uri);

    const err = await openAt(uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreSchemaError);
    const schemaErr = err as StoreSchemaError;
    expect(schemaErr.found).toBe(version);
    expect(schemaErr.expected).toBe(SCHEMA_VERSION);
    expect(schemaErr.message).toContain(`schema version ${version}`);
    expect(schemaErr.message).toContain(`version ${SCHEMA_VERSION}`);
    expect(schemaErr.message).toMatch(version > SCHEMA_VERSION ? /newer reelrec/ : /reelrec build/);
    expect(await snapshot(uri)).toEqual(before);
  });

  it('refuses store tables without a meta table', async () => {
    const uri = join(dir, 'db');
    const store = await openAt(uri);
    await store.db.dropTable('meta');
    store.close();
    await expect(openAt(uri)).rejects.toMatchObject({ name: 'StoreSchemaError', found: null });
  });

  it('overwrite replaces a store made by another embedder', async () => {
    const uri = join(dir, 'db');
    const store = await openAt(uri);
    await upsertMovies(store, [movie]);
    store.close();

    const rebuilt = await openAt(uri, { id: 'other', dimension: 8 }, true);
    expect(rebuilt.created).toBe(true);
    expect(await countMovies(rebuilt)).toBe(0);
    rebuilt.close();
    await expect(openAt(uri)).rejects.toBeInstanceOf(StoreEmbedderMismatchError);
  });

  it('rejects a dimension that disagrees with the embedder before touching disk', async () => {
    const uri = join(dir, 'db');
    await expect(openStore({ uri, dimension: 3, embedder })).rejects.toBeInstanceOf(ConfigError);
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('sets LANCEDB_LOG so LanceDB warnings do not flood the console', () => {
    expect(process.env.LANCEDB_LOG).toBeDefined();
  });
});
