import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MovieInput, measureIndexRecall, openStore, type Store, searchMovies, upsertMovies } from '../src/store/index.js';

const DIM = 64;
let dir: string;

/** Seeded so a failure reproduces. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVectors(n: number, rand: () => number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from({ length: DIM }, () => rand() - 0.5));
}

async function storeWith(name: string, vectors: Float32Array[]): Promise<Store> {
  const store = await openStore({ uri: join(dir, name), dimension: DIM, embedder: { id: 'random', model: 'none', dimension: DIM } });
  const rows: MovieInput[] = vectors.map((vector, i) => ({ id: i + 1, title: `Movie ${i + 1}`, year: null, genres: [], vector }));
  await upsertMovies(store, rows);
  return store;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrec-store-index-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('measureIndexRecall', () => {
  it('compares flat search with HNSW_SQ on 2,000 random 64-d vectors', async () => {
    const rand = mulberry32(42);
    const store = await storeWith('big', randomVectors(2000, rand));
    try {
      const result = await measureIndexRecall(store, randomVectors(20, rand), 10);
      if (result.skipped) throw new Error(result.reason);
      expect(result.rows).toBe(2000);
      expect(result.recallAtK).toBeGreaterThan(0);
      expect(result.recallAtK).toBeLessThanOrEqual(1);
      for (const ms of [result.flatMedianMs, result.flatP99Ms, result.indexedMedianMs, result.indexedP99Ms, result.indexBuildMs]) {
        expect(ms).toBeGreaterThan(0);
      }
      // Dropped afterwards by default, so ordinary searches stay exact.
      expect(await store.tables.movies.listIndices()).toEqual([]);
      expect(await searchMovies(store, randomVectors(1, rand)[0] as Float32Array, { k: 5 })).toHaveLength(5);
    } finally {
      store.close();
    }
  });

  it('skips with a reason when the table is too small for an index', async () => {
    const store = await storeWith('small', randomVectors(50, mulberry32(7)));
    try {
      const result = await measureIndexRecall(store, randomVectors(3, mulberry32(8)), 10);
      expect(result).toMatchObject({ skipped: true, rows: 50 });
      if (result.skipped) expect(result.reason).toMatch(/50 rows/);
      expect(await store.tables.movies.listIndices()).toEqual([]);
    } finally {
      store.close();
    }
  });
});
