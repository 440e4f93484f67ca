import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type ApiKeyEntry, KEY_NAME_PATTERN, MAX_KEY_LIMIT } from './api-key.js';
import { KeysFileError } from './errors.js';

/** `<REELREC_DATA_DIR>/api-keys.json`: the keys `reelrec keys` manages (hashes only, mode 0600). */
export function keysFilePath(dataDir: string): string {
  return join(dataDir, 'api-keys.json');
}

const FileSchema = z.object({
  keys: z.array(
    z.object({
      name: z.string().regex(KEY_NAME_PATTERN),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
      created: z.string().optional(),
      limit: z.number().int().min(1).max(MAX_KEY_LIMIT).optional(),
    }),
  ),
});

/** The file's keys; none when it does not exist. A file that is there but unreadable or malformed throws. */
export async function readKeysFile(file: string): Promise<ApiKeyEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KeysFileError(file, `cannot be read (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  let parsed: z.infer<typeof FileSchema>;
  try {
    parsed = FileSchema.parse(JSON.parse(text));
  } catch {
    throw new KeysFileError(file, 'is not a keys file (expected {"keys":[{"name","hash","created","limit"?}]}); fix or remove it');
  }
  const names = new Set<string>();
  for (const key of parsed.keys) {
    if (names.has(key.name)) throw new KeysFileError(file, `lists the name ${key.name} twice`);
    names.add(key.name);
  }
  return parsed.keys.map((key) => ({ ...key, source: 'file' as const }));
}

async function writeKeysFile(file: string, entries: ApiKeyEntry[]): Promise<void> {
  const keys = entries.map(({ name, hash, created, limit }) => ({ name, hash, created, ...(limit === undefined ? {} : { limit }) }));
  await writeFileAtomic(file, [`${JSON.stringify({ keys }, null, 2)}\n`], { mode: 0o600, durable: true });
}

const LOCK_WAIT_MS = 5_000;

/**
 * Read, change and write the file under an exclusive lock file (`api-keys.json.lock`), so two `reelrec keys`
 * commands at once cannot lose each other's change. The file is replaced atomically and fsynced before
 * this resolves: a key printed to its owner is on disk.
 */
export async function updateKeysFile<T>(
  file: string,
  change: (entries: ApiKeyEntry[]) => { entries: ApiKeyEntry[]; result: T },
): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  await mkdir(dirname(file), { recursive: true });
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new KeysFileError(file, `cannot be locked (${(error as Error).message.split('\n')[0]})`);
      if (Date.now() > deadline) {
        throw new KeysFileError(file, `another \`reelrec keys\` command holds ${lock}; if none is running, delete that file`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    const { entries, result } = change(await readKeysFile(file));
    await writeKeysFile(file, entries);
    return result;
  } finally {
    await rm(lock, { force: true });
  }
}
