import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';

/** The embedder every store test opens its 4-d store with. */
export const TEST_EMBEDDER = { id: 'test-embedder', model: 'unit/model-4', dimension: 4 };

/** Opens (or reopens) the test store kept under `dir`. */
export function openTestStore(dir: string): Promise<Store> {
  return openStore({ uri: join(dir, 'db'), dimension: 4, embedder: TEST_EMBEDDER });
}

/** A fresh store in a new temporary directory named after `prefix`, for one test. */
export async function createTempStore(prefix: string): Promise<{ dir: string; store: Store }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, store: await openTestStore(dir) };
}

/** Closes the test's store and deletes its directory. */
export async function removeTempStore(dir: string, store: Store): Promise<void> {
  store.close();
  await rm(dir, { recursive: true, force: true });
}
