import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Streams chunks into `<dir>/.<name>.tmp-<pid>` and renames it over `file` only when every chunk
 * was written and flushed, so a reader never sees half a file and a failure leaves the old one.
 */
export async function writeFileAtomic(file: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const stream = createWriteStream(temp);
  try {
    for await (const chunk of chunks) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await rename(temp, file);
  } catch (error) {
    stream.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}
