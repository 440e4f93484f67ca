import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. 0o600 for a file holding secrets' hashes); default: the umask's. */
  mode?: number;
  /** fsync the file before the rename and the folder after it, so the new content survives a power cut. */
  durable?: boolean;
}

/**
 * Streams chunks into `<dir>/.<name>.tmp-<pid>` and renames it over `file` only when every chunk
 * was written and flushed, so a reader never sees half a file and a failure leaves the old one.
 */
export async function writeFileAtomic(
  file: string,
  chunks: Iterable<string> | AsyncIterable<string>,
  { mode, durable = false }: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const stream = createWriteStream(temp, { ...(mode === undefined ? {} : { mode }), flush: durable });
  try {
    for await (const chunk of chunks) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    stream.end();
    // 'close' comes after the data is written and, with `flush`, fsynced ('finish' may come before the fsync).
    await once(stream, 'close');
    // A temp file left by a crashed run keeps its old mode when reopened: set it explicitly.
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, file);
    if (durable) await syncFolder(dirname(file));
  } catch (error) {
    stream.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
