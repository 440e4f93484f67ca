import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { z } from 'zod';
import { DatasetNotFoundError, DownloadError } from '../src/errors.js';
import { DATASET_NAMES, datasetSpec } from '../src/recsys/data/datasets.js';
import { downloadDataset } from '../src/recsys/data/download.js';
import { buildZip, sha256, startZipServer, type ZipServer } from './helpers/zip-server.js';

const ML100K = {
  'ml-100k/u.data': '196\t242\t3\t881250949\n186\t302\t3\t891717742\n',
  'ml-100k/u.item': '242|Kolya (1996)|24-Jan-1997||http://x|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n',
  'ml-100k/u.genre': 'unknown|0\nComedy|5\n',
};

let server: ZipServer;
let zip: Buffer;
let destDir: string;

beforeAll(async () => {
  server = await startZipServer();
  zip = await buildZip(ML100K);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  destDir = await mkdtemp(path.join(os.tmpdir(), 'reelrec-download-'));
  server.routes.clear();
  server.requests.length = 0;
});
afterEach(async () => {
  await rm(destDir, { recursive: true, force: true });
});

/** Rebuilds a zip with one entry renamed; yazl refuses unsafe names, so they are patched in. */
async function zipWithEntryName(unsafeName: string): Promise<Buffer> {
  const placeholder = 'z'.repeat(unsafeName.length);
  const built = await buildZip({ ...ML100K, [placeholder]: 'pwned\n' });
  const from = Buffer.from(placeholder);
  const to = Buffer.from(unsafeName);
  let at = built.indexOf(from);
  while (at !== -1) {
    to.copy(built, at);
    at = built.indexOf(from, at + to.length);
  }
  return built;
}

/** Overwrites one entry's compressed bytes so unpacking fails after earlier entries were written. */
async function zipWithCorruptEntry(entryName: string): Promise<Buffer> {
  const built = await buildZip({ ...ML100K, [entryName]: 'a fairly compressible line\n'.repeat(50) });
  const reader = await yauzl.fromBufferPromise(built);
  for await (const entry of reader.eachEntry()) {
    if (entry.fileName !== entryName) continue;
    const { fileDataStart } = await reader.readLocalFileHeaderPromise(entry, { minimal: true });
    built.fill(0xff, fileDataStart, fileDataStart + entry.compressedSize);
  }
  reader.close();
  return built;
}

async function expectDownloadError(promise: Promise<unknown>, message: RegExp): Promise<DownloadError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  const { message: text } = err as DownloadError;
  expect(text).toMatch(message);
  expect(text).not.toMatch(/\n|\s+at /);
  return err as DownloadError;
}

describe('dataset registry', () => {
  it('lists the six GroupLens archives with https URLs and pinned checksums', () => {
    expect([...DATASET_NAMES].sort()).toEqual(['ml-100k', 'ml-1m', 'ml-20m', 'ml-25m', 'ml-32m', 'ml-latest-small']);
    for (const name of DATASET_NAMES) {
      const spec = datasetSpec(name);
      expect(spec.url).toBe(`https://files.grouplens.org/datasets/movielens/${name}.zip`);
      expect(spec.sha256 ?? spec.md5).toBeTruthy();
      if (spec.sha256) expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (spec.md5) expect(spec.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(spec.requiredFiles.length).toBeGreaterThan(0);
    }
    expect(datasetSpec('ml-25m').size).toBe(261978986);
    expect(datasetSpec('ml-32m').md5).toBe('d472be332d4daa821edc399621853b57');
    expect(datasetSpec('ml-latest-small').mayBeRepublished).toBe(true);
  });

  it('works as a zod enum and rejects unknown names', () => {
    expect(z.enum(DATASET_NAMES).parse('ml-1m')).toBe('ml-1m');
    expect(() => datasetSpec('ml-7m')).toThrow(DatasetNotFoundError);
  });
});

describe('downloadDataset', () => {
  it('downloads, verifies and unpacks', async () => {
    server.routes.set('/ml-100k.zip', { kind: 'file', body: zip });
    const result = await downloadDataset('ml-100k', {
      destDir,
      baseUrl: server.baseUrl,
      expectedSha256: sha256(zip),
      progress: false,
    });
    expect(result).toEqual({
      dir: path.join(destDir, 'ml-100k'),
      zipBytes: zip.length,
      sha256: sha256(zip),
      md5: createHash('md5').update(zip).digest('hex'),
      alreadyPresent: false,
    });
    for (const [entry, content] of Object.entries(ML100K)) {
      expect(await readFile(path.join(destDir, entry), 'utf8')).toBe(content);
    }
    expect(await readdir(destDir)).toEqual(['ml-100k']);
  });

  it('accepts a base URL without a trailing slash and an md5-only override', async () => {
    server.routes.set('/mirror/ml-100k.zip', { kind: 'file', body: zip });
    const md5 = createHash('md5').update(zip).digest('hex');
    const result = await downloadDataset('ml-100k', {
      destDir,
      baseUrl: `${server.baseUrl}mirror`,
      expectedMd5: md5.toUpperCase(),
      progress: false,
    });
    expect(result.md5).toBe(md5);
  });

  it('rejects a checksum mismatch and leaves nothing behind', async () => {
    server.routes.set('/ml-100k.zip', { kind: 'file', body: zip });
    // The pinned sha256 and size are the real GroupLens ones, which the tiny test zip cannot match.
    const err = await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, progress: false }),
      /checksum mismatch: expected 4924029 bytes, got \d+; expected sha256 50d2a982\w+, got [0-9a-f]{64}/,
    );
    expect(err.url).toBe(`${server.baseUrl}ml-100k.zip`);
    expect(err.message).not.toMatch(/regenerates/);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('explains that ml-latest-small may have been republished', async () => {
    server.routes.set('/ml-latest-small.zip', { kind: 'file', body: zip });
    await expectDownloadError(
      downloadDataset('ml-latest-small', { destDir, baseUrl: server.baseUrl, progress: false }),
      /GroupLens regenerates ml-latest-small .*expectedSha256 override/,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('rejects a malformed checksum override', async () => {
    await expect(downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: 'abc', progress: false })).rejects.toThrow(
      /expectedSha256: not a 64-digit hex sha256/,
    );
    expect(server.requests).toEqual([]);
  });

  it.each([404, 500])('turns HTTP %i into a DownloadError', async (status) => {
    server.routes.set('/ml-100k.zip', { kind: 'status', status });
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, progress: false }),
      new RegExp(`ml-100k\\.zip: HTTP ${status}`),
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('reports a refused connection', async () => {
    const closed = await startZipServer();
    await closed.close();
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: closed.baseUrl, progress: false }),
      /cannot connect: .*ECONNREFUSED/,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('rejects a truncated body and leaves nothing behind', async () => {
    server.routes.set('/ml-100k.zip', { kind: 'truncate', body: zip, sendBytes: 100 });
    await expectDownloadError(
      downloadDataset('ml-100k', {
        destDir,
        baseUrl: server.baseUrl,
        expectedSha256: sha256(zip),
        progress: false,
      }),
      /interrupted after \d+ of \d+ bytes|truncated download/,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('rejects a corrupt zip whose checksum matches the override', async () => {
    const junk = Buffer.from('this is not a zip archive at all\n'.repeat(10));
    server.routes.set('/ml-100k.zip', { kind: 'file', body: junk });
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(junk), progress: false }),
      /not a valid zip archive/,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('cleans up when an entry fails to inflate mid-unpack', async () => {
    const broken = await zipWithCorruptEntry('ml-100k/zz-last.txt');
    server.routes.set('/ml-100k.zip', { kind: 'file', body: broken });
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(broken), progress: false }),
      /corrupt zip entry ml-100k\/zz-last\.txt: /,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it('rejects a zip without the dataset folder', async () => {
    const other = await buildZip({ 'ml-1m/ratings.dat': '1::1::5::0\n' });
    server.routes.set('/ml-100k.zip', { kind: 'file', body: other });
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(other), progress: false }),
      /no ml-100k\/ folder/,
    );
    expect(await readdir(destDir)).toEqual([]);
  });

  it.each(['ml-100k/../../evil.txt', '/tmp/reelrec-evil.txt'])('rejects the zip-slip entry %s', async (name) => {
    const evil = await zipWithEntryName(name);
    server.routes.set('/ml-100k.zip', { kind: 'file', body: evil });
    await expectDownloadError(
      downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(evil), progress: false }),
      /unsafe zip archive: .*(invalid relative path|absolute path)/,
    );
    expect(await readdir(destDir)).toEqual([]);
    expect(existsSync(path.resolve(destDir, '..', 'evil.txt'))).toBe(false);
    expect(existsSync('/tmp/reelrec-evil.txt')).toBe(false);
  });

  it('short-circuits when the dataset is already present', async () => {
    await mkdir(path.join(destDir, 'ml-100k'));
    for (const [entry, content] of Object.entries(ML100K)) await writeFile(path.join(destDir, entry), content);
    const result = await downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, progress: false });
    expect(result).toEqual({ dir: path.join(destDir, 'ml-100k'), zipBytes: 0, sha256: '', md5: '', alreadyPresent: true });
    expect(server.requests).toEqual([]);
  });

  it('replaces an incomplete folder, and with force re-downloads a complete one', async () => {
    await mkdir(path.join(destDir, 'ml-100k'));
    await writeFile(path.join(destDir, 'ml-100k', 'u.data'), 'stale\n');
    server.routes.set('/ml-100k.zip', { kind: 'file', body: zip });
    const options = { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(zip), progress: false };
    expect((await downloadDataset('ml-100k', options)).alreadyPresent).toBe(false);
    expect(await readFile(path.join(destDir, 'ml-100k', 'u.data'), 'utf8')).toBe(ML100K['ml-100k/u.data']);

    const v2 = await buildZip({ ...ML100K, 'ml-100k/u.data': '1\t1\t5\t0\n' });
    server.routes.set('/ml-100k.zip', { kind: 'file', body: v2 });
    expect((await downloadDataset('ml-100k', { ...options, expectedSha256: sha256(v2) })).alreadyPresent).toBe(true);
    const forced = await downloadDataset('ml-100k', { ...options, expectedSha256: sha256(v2), force: true });
    expect(forced).toMatchObject({ alreadyPresent: false, sha256: sha256(v2) });
    expect(await readFile(path.join(destDir, 'ml-100k', 'u.data'), 'utf8')).toBe('1\t1\t5\t0\n');
    expect(await readdir(destDir)).toEqual(['ml-100k']);
    expect(server.requests).toEqual(['/ml-100k.zip', '/ml-100k.zip']);
  });

  it('keeps the old folder when a forced re-download fails', async () => {
    server.routes.set('/ml-100k.zip', { kind: 'file', body: zip });
    const options = { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(zip), progress: false };
    await downloadDataset('ml-100k', options);
    server.routes.set('/ml-100k.zip', { kind: 'status', status: 500 });
    await expectDownloadError(downloadDataset('ml-100k', { ...options, force: true }), /HTTP 500/);
    expect(await readFile(path.join(destDir, 'ml-100k', 'u.data'), 'utf8')).toBe(ML100K['ml-100k/u.data']);
    expect(await readdir(destDir)).toEqual(['ml-100k']);
  });

  it('sweeps temp files left by a killed process', async () => {
    // Above Linux's maximum pid_max, so no live process can own it.
    const deadPid = 4_194_305;
    await writeFile(path.join(destDir, `.ml-100k.zip.part-${deadPid}-0badf00d`), 'partial');
    await mkdir(path.join(destDir, `.ml-100k.unpack-${deadPid}-0badf00d`));
    await writeFile(path.join(destDir, `.ml-1m.zip.part-${deadPid}-0badf00d`), 'other dataset, other run');
    server.routes.set('/ml-100k.zip', { kind: 'file', body: zip });
    await downloadDataset('ml-100k', { destDir, baseUrl: server.baseUrl, expectedSha256: sha256(zip), progress: false });
    expect((await readdir(destDir)).sort()).toEqual([`.ml-1m.zip.part-${deadPid}-0badf00d`, 'ml-100k']);
  });
});
