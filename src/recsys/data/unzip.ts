import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DownloadError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { oneLine } from '../../util/error-text.js';
import type { DatasetSpec } from './datasets.js';

/**
 * Rejects names that would land outside `root` (zip-slip). yauzl already refuses absolute and `..`
 * names; this re-checks against the resolved path so a future yauzl option change cannot open the hole.
 */
function safeJoin(url: string, root: string, entryName: string): string {
  const resolved = path.resolve(root, entryName);
  if (path.isAbsolute(entryName) || entryName.split('/').includes('..') || !resolved.startsWith(root + path.sep)) {
    throw new DownloadError(url, `unsafe path in zip archive: ${entryName}`);
  }
  return resolved;
}

/** Extracts only `<name>/…` entries, after checking every entry name before writing anything. */
export async function unzipDataset(url: string, zipPath: string, outDir: string, spec: DatasetSpec, show: boolean): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { autoClose: false });
  } catch (err) {
    throw new DownloadError(url, `not a valid zip archive: ${oneLine(err)}`);
  }
  try {
    const entries: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) entries.push(entry);
    } catch (err) {
      throw new DownloadError(url, `corrupt or unsafe zip archive: ${oneLine(err)}`);
    }
    const prefix = `${spec.name}/`;
    for (const entry of entries) safeJoin(url, outDir, entry.fileName);
    const wanted = entries.filter((e) => e.fileName.startsWith(prefix));
    if (wanted.length === 0) throw new DownloadError(url, `zip archive has no ${prefix} folder`);

    await mkdir(outDir);
    const total = wanted.reduce((sum, e) => sum + e.uncompressedSize, 0);
    const progress = startProgress(`Unpacking ${spec.name}`, total, 'bytes', show);
    try {
      for (const entry of wanted) {
        const dest = safeJoin(url, outDir, entry.fileName);
        if (entry.fileName.endsWith('/')) {
          await mkdir(dest, { recursive: true });
          continue;
        }
        await mkdir(path.dirname(dest), { recursive: true });
        try {
          const source = await zip.openReadStreamPromise(entry);
          source.on('data', (chunk: Buffer) => progress.increment(chunk.length));
          await pipeline(source, createWriteStream(dest, { flags: 'wx' }));
        } catch (err) {
          throw new DownloadError(url, `corrupt zip entry ${entry.fileName}: ${oneLine(err)}`);
        }
      }
    } finally {
      progress.stop();
    }
  } finally {
    zip.close();
  }
  const missing: string[] = [];
  for (const file of spec.requiredFiles) {
    const found = await stat(path.join(outDir, spec.name, file)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) missing.push(`${spec.name}/${file}`);
  }
  if (missing.length > 0) throw new DownloadError(url, `zip archive lacks ${missing.join(', ')}`);
}
