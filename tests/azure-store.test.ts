import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBuiltStore } from '../src/store/index.js';
import { makeTasteDataset, type TasteFixture } from './fixtures/movielens-taste.js';
import { type Azurite, startAzurite } from './helpers/azurite.js';
import { type RunningCli, runCliAsync, startCli } from './helpers/cli.js';

/**
 * The store on Azure Blob Storage for real: LanceDB over `az://` against Azurite (an npm
 * devDependency, started here on a free port, in memory), the CLI built and started as users run it.
 */

const CONTAINER = 'reelrec';
const URI = `az://${CONTAINER}/reelrec`;
const DATASET = 'ml-latest-small';

interface Answer {
  items: Array<{ movie: { id: number }; score: number; reasons: unknown[] }>;
}

describe('LanceDB on Azure Blob Storage (Azurite)', () => {
  let azurite: Azurite;
  let fixture: TasteFixture;
  let dataDir: string;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [azurite, fixture, work] = await Promise.all([startAzurite(), makeTasteDataset(), mkdtemp(path.join(os.tmpdir(), 'reelrec-azure-'))]);
    await azurite.createContainer(CONTAINER);
    // `start` finds the build by dataset name, and a folder's name is its dataset's: give the
    // taste fixture (ml-latest layout) a registered name.
    dataDir = path.join(path.dirname(fixture.dir), DATASET);
    await rename(fixture.dir, dataDir);
    env = {
      REELREC_DATA_DIR: work,
      MOVIELENS_DIR: dataDir,
      REELREC_DATASET: DATASET,
      REELREC_TEXT_FILE: fixture.textFile,
      REELREC_EMBEDDER: 'hashing',
      REELREC_LANCEDB_URI: URI,
      AZURE_STORAGE_ACCOUNT_NAME: azurite.accountName,
      AZURE_STORAGE_ACCOUNT_KEY: azurite.accountKey,
      AZURE_STORAGE_ENDPOINT: azurite.blobUrl,
      REELREC_AZURE_EMULATOR: 'on',
    };
  }, 30_000);

  afterAll(async () => {
    await azurite?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    if (fixture) await rm(path.dirname(fixture.dir), { recursive: true, force: true });
  });

  it('build writes the store into the container', async () => {
    const built = await runCliAsync(['build'], env);
    expect(built.stderr).not.toMatch(/\n\s+at /);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain(`→ ${URI}`);

    const blobs = await azurite.listBlobs(CONTAINER);
    expect(blobs.some((b) => b.startsWith('reelrec/movies.lance/'))).toBe(true);
    expect(blobs.some((b) => b.startsWith('reelrec/likes.lance/'))).toBe(true);
    expect(blobs.some((b) => b.endsWith('.lance') && b.includes('/data/'))).toBe(true);

    // Read back from this process with the options reelrec derives from those settings.
    const store = await openBuiltStore(URI, {
      account_name: azurite.accountName,
      account_key: azurite.accountKey,
      endpoint: azurite.blobUrl,
      allow_http: 'true',
    });
    try {
      expect(store.embedder.id).toBe('hashing');
      expect(await store.tables.movies.countRows()).toBe(fixture.movies);
    } finally {
      store.close();
    }
  }, 45_000);

  it('two instances share likes through the store', async () => {
    const running: RunningCli[] = [];
    try {
      const started = await Promise.allSettled([
        startCli(['start', '--no-build'], env, 30_000),
        startCli(['start', '--no-build'], env, 30_000),
      ]);
      for (const s of started) if (s.status === 'fulfilled') running.push(s.value);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      const [a, b] = running as [RunningCli, RunningCli];
      expect(a.url).not.toBe(b.url);

      // A visitor made on one instance is known to the other: both read the store's visitors table.
      const created = await fetch(`${a.url}/api/visitors`, { method: 'POST' });
      expect(created.status).toBe(201);
      const ana = (await created.json()) as { id: string; token: string };
      const auth = { authorization: `Bearer ${ana.token}` };
      const put = await fetch(`${a.url}/api/visitors/${ana.id}/likes/4`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ value: 1 }),
      });
      expect(put.status).toBe(200);
      expect(await put.json()).toEqual({ movieId: 4, value: 1 });

      const likes = await fetch(`${b.url}/api/visitors/${ana.id}/likes`, { headers: auth });
      expect(likes.status).toBe(200);
      expect(await likes.json()).toEqual({ likes: [{ movieId: 4, value: 1 }] });

      const fromB = await fetch(`${b.url}/api/visitors/${ana.id}/recommendations?k=10`, { headers: auth });
      expect(fromB.status).toBe(200);
      const direct = await fetch(`${a.url}/api/recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ liked: [4], k: 10 }),
      });
      expect(direct.status).toBe(200);
      const got = (await fromB.json()) as Answer;
      const want = (await direct.json()) as Answer;
      expect(got.items).toHaveLength(10);
      expect(got.items.map((i) => i.movie.id)).toEqual(want.items.map((i) => i.movie.id));
      expect(got.items.map((i) => i.reasons)).toEqual(want.items.map((i) => i.reasons));
      got.items.forEach((item, i) => {
        expect(item.score).toBeCloseTo(want.items[i]?.score ?? Number.NaN, 6);
      });
      expect(got.items.map((i) => i.movie.id)).not.toContain(4);
    } finally {
      const codes = await Promise.all(running.map((r) => r.stop()));
      expect(codes).toEqual(running.map(() => 0));
    }
  }, 45_000);

  it('a wrong account key stops start with one line that does not show the key', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const r = await runCliAsync(['start', '--no-build'], { ...env, AZURE_STORAGE_ACCOUNT_KEY: wrongKey, PORT: '0', HOST: '127.0.0.1' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toBe(
      'reelrec: store open failed: Azure Blob Storage refused the credentials (HTTP 403 Forbidden, AuthorizationFailure); ' +
        'check AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY',
    );
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(wrongKey);
      expect(out).not.toContain(azurite.accountKey);
    }
  }, 30_000);
});
