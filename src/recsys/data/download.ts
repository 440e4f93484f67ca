import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError, DownloadError, ReelrecError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { errnoCode, oneLine } from '../../util/error-text.js';
import { type DatasetSpec, DEFAULT_MOVIELENS_BASE_URL, datasetSpec } from './datasets.js';
import { unzipDataset } from './unzip.js';

export interface DownloadOptions {
  /** Folder that receives `<name>/`; created if missing. Temp files live here too, so renames stay on one filesystem. */
  destDir: string;
  /** Mirror or test server; `<name>.zip` is resolved against it. Defaults to GroupLens. */
  baseUrl?: string;
  /**
   * Checksum overrides for when GroupLens republishes an archive (ml-latest-small in particular).
   * Giving either replaces all pinned values (size, sha256, md5) with just the ones given.
   */
  expectedSha256?: string;
  expectedMd5?: string;
  /** Show progress bars (still subject to REELREC_PROGRESS=off). Default true. */
  progress?: boolean;
  /** Download and replace even when `<destDir>/<name>` already holds the dataset. */
  force?: boolean;
  fetchImpl?: typeof fetch;
}

export interface DownloadResult {
  /** Absolute path of the unpacked dataset folder. */
  dir: string;
  /** Size and hashes of the downloaded zip; 0 and '' when alreadyPresent (nothing was fetched). */
  zipBytes: number;
  sha256: string;
  md5: string;
  alreadyPresent: boolean;
}

interface Expected {
  size?: number;
  sha256?: string;
  md5?: string;
  /** Whether these are the registry's pins (as opposed to caller overrides). */
  pinned: boolean;
}

interface Fetched {
  bytes: number;
  sha256: string;
  md5: string;
}

/**
 * Downloads a MovieLens zip, verifies it and unpacks it to `<destDir>/<name>`.
 * Work happens in dot-prefixed temp paths tagged with our pid, which are removed on any failure;
 * leftovers from a killed process are swept on the next run. The finished folder is moved into
 * place with rename(2), so readers never see a half-unpacked dataset.
 */
export async function downloadDataset(name: string, options: DownloadOptions): Promise<DownloadResult> {
  const spec = datasetSpec(name);
  const url = resolveUrl(spec, options.baseUrl);
  const expected = expectedChecksums(spec, options);
  const destDir = path.resolve(options.destDir);
  const target = path.join(destDir, spec.name);
  const show = options.progress ?? true;

  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const partPath = path.join(destDir, `.${spec.name}.zip.part-${tag}`);
  const unpackDir = path.join(destDir, `.${spec.name}.unpack-${tag}`);
  try {
    await mkdir(destDir, { recursive: true });
    if (!options.force && (await hasFiles(target, spec.requiredFiles))) {
      return { dir: target, zipBytes: 0, sha256: '', md5: '', alreadyPresent: true };
    }
    await sweepStale(destDir, spec.name);
    const fetched = await fetchToFile(url, partPath, options.fetchImpl ?? fetch, show ? spec.name : null, expected.size);
    verify(url, spec, expected, fetched);
    await unzipDataset(url, partPath, unpackDir, spec, show);
    await install(path.join(unpackDir, spec.name), target, path.join(destDir, `.${spec.name}.old-${tag}`));
    return { dir: target, zipBytes: fetched.bytes, sha256: fetched.sha256, md5: fetched.md5, alreadyPresent: false };
  } catch (err) {
    if (err instanceof ReelrecError) throw err;
    throw new DownloadError(url, oneLine(err));
  } finally {
    await rm(partPath, { force: true });
    await rm(unpackDir, { recursive: true, force: true });
  }
}

function resolveUrl(spec: DatasetSpec, baseUrl: string | undefined): string {
  const base = baseUrl ?? DEFAULT_MOVIELENS_BASE_URL;
  try {
    // Without the trailing slash, URL resolution would replace the base's last path segment.
    return new URL(spec.fileName, base.endsWith('/') ? base : `${base}/`).href;
  } catch {
    throw new ConfigError('REELREC_MOVIELENS_BASE_URL', `not a valid URL: ${base}`);
  }
}

function expectedChecksums(spec: DatasetSpec, options: DownloadOptions): Expected {
  const { expectedSha256: sha256, expectedMd5: md5 } = options;
  if (sha256 === undefined && md5 === undefined) {
    return { size: spec.size, sha256: spec.sha256, md5: spec.md5, pinned: true };
  }
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(sha256)) {
    throw new ConfigError('expectedSha256', `not a 64-digit hex sha256: ${sha256}`);
  }
  if (md5 !== undefined && !/^[0-9a-f]{32}$/i.test(md5)) {
    throw new ConfigError('expectedMd5', `not a 32-digit hex md5: ${md5}`);
  }
  return { sha256: sha256?.toLowerCase(), md5: md5?.toLowerCase(), pinned: false };
}

async function hasFiles(dir: string, files: readonly string[]): Promise<boolean> {
  for (const file of files) {
    const info = await stat(path.join(dir, file)).catch(() => null);
    if (!info?.isFile()) return false;
  }
  return true;
}

/** Streams the body to `partPath`, hashing as it goes so a 250 MB zip is never held in memory. */
async function fetchToFile(
  url: string,
  partPath: string,
  fetchImpl: typeof fetch,
  label: string | null,
  expectedSize: number | undefined,
): Promise<Fetched> {
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'follow' });
  } catch (err) {
    throw new DownloadError(url, `cannot connect: ${oneLine(err)}`);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => {});
    throw new DownloadError(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const header = res.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;

  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  const progress = startProgress(`Downloading ${label}`, declared ?? expectedSize ?? 0, 'bytes', label !== null);
  const tap = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      sha256.update(chunk);
      md5.update(chunk);
      bytes += chunk.length;
      progress.increment(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body), tap, createWriteStream(partPath, { flags: 'wx' }));
  } catch (err) {
    const of = declared === undefined ? '' : ` of ${declared}`;
    throw new DownloadError(url, `download interrupted after ${bytes}${of} bytes: ${oneLine(err)}`);
  } finally {
    progress.stop();
  }
  if (declared !== undefined && bytes !== declared) {
    throw new DownloadError(url, `truncated download: received ${bytes} of ${declared} bytes`);
  }
  return { bytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

function verify(url: string, spec: DatasetSpec, expected: Expected, got: Fetched): void {
  const problems: string[] = [];
  if (expected.size !== undefined && got.bytes !== expected.size) {
    problems.push(`expected ${expected.size} bytes, got ${got.bytes}`);
  }
  if (expected.sha256 !== undefined && got.sha256 !== expected.sha256) {
    problems.push(`expected sha256 ${expected.sha256}, got ${got.sha256}`);
  }
  if (expected.md5 !== undefined && got.md5 !== expected.md5) {
    problems.push(`expected md5 ${expected.md5}, got ${got.md5}`);
  }
  if (problems.length === 0) return;
  let detail = `checksum mismatch: ${problems.join('; ')}`;
  if (expected.pinned && spec.mayBeRepublished) {
    detail +=
      `. GroupLens regenerates ${spec.name} from time to time, so this may be a new release rather than ` +
      'a corrupt download; if you trust it, re-run with the new sha256 as the expectedSha256 override (CLI: --sha256)';
  }
  throw new DownloadError(url, detail);
}

/**
 * Moves the unpacked folder into place. An existing folder (force, or an incomplete copy) is first
 * renamed aside and only deleted once the new one is in; if the swap fails the old one is restored.
 */
async function install(fromDir: string, target: string, aside: string): Promise<void> {
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  try {
    await rename(fromDir, target);
  } catch (err) {
    if (movedAside) await rename(aside, target).catch(() => {});
    throw err;
  }
  if (movedAside) await rm(aside, { recursive: true, force: true });
}

/**
 * Removes temp paths left by a process that was killed mid-way (no `finally` ran). A `.old-` folder
 * whose owner died between the two renames of install() is the previous dataset: it is put back.
 */
async function sweepStale(destDir: string, name: string): Promise<void> {
  const pattern = new RegExp(`^\\.${name.replace(/[.]/g, '\\.')}\\.(zip\\.part|unpack|old)-(\\d+)-[0-9a-f]+$`);
  for (const entry of await readdir(destDir)) {
    const match = pattern.exec(entry);
    if (!match || isAlive(Number(match[2]))) continue;
    const stale = path.join(destDir, entry);
    const target = path.join(destDir, name);
    if (match[1] === 'old' && !(await stat(target).catch(() => null))) {
      await rename(stale, target).catch(() => {});
    } else {
      await rm(stale, { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
