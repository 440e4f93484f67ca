import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { API_KEY_PATTERN, type ApiKeyEntry, hashApiKey } from './api-key.js';
import { readKeysFile } from './keys-file.js';

export interface ApiKeyRegistryOptions {
  /** Keys from REELREC_API_KEYS (parseApiKeysSetting). */
  envKeys: ApiKeyEntry[];
  /** The keys file (keysFilePath); re-read when it changes, so `reelrec keys revoke` needs no restart. */
  file?: string;
  logger?: Logger;
  /** Longest time a change to the file goes unnoticed; default 2 s. */
  recheckMs?: number;
  now?: () => number;
}

/** Which version of the file was read: an atomic replace gives a new inode, an edit a new mtime or size. */
const stampOf = (s: { ino: number; mtimeMs: number; size: number } | null) => (s ? `${s.ino}:${s.mtimeMs}:${s.size}` : 'absent');

/**
 * The valid developer keys: REELREC_API_KEYS plus the keys file. A presented key is hashed and looked up by
 * its hash, so no comparison ever touches a stored secret. The file is checked (one stat) at most every
 * `recheckMs` while requests come in. If a changed file cannot be read, its keys stop working (fail closed:
 * a revoked key must not live on) and the error is logged until the file is fixed.
 */
export class ApiKeyRegistry {
  #byHash = new Map<string, ApiKeyEntry>();
  #stamp = 'absent';
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | null = null;
  readonly #options: Required<Omit<ApiKeyRegistryOptions, 'file' | 'logger'>> & Pick<ApiKeyRegistryOptions, 'file' | 'logger'>;

  private constructor(options: ApiKeyRegistryOptions) {
    this.#options = { recheckMs: 2_000, now: Date.now, ...options };
  }

  /** Reads the file once now: a malformed file stops the start (KeysFileError) instead of disabling keys. */
  static async open(options: ApiKeyRegistryOptions): Promise<ApiKeyRegistry> {
    const registry = new ApiKeyRegistry(options);
    const file = options.file;
    const stamp = file ? stampOf(await statOrNull(file)) : 'absent';
    registry.#install(file ? await readKeysFile(file) : [], stamp);
    registry.#checkedAt = registry.#options.now();
    return registry;
  }

  /** How many keys are valid now (env and file). */
  get size(): number {
    return this.#byHash.size;
  }

  /** The entry of a presented key, or null when it is not a valid, current key. */
  async lookup(presented: string): Promise<ApiKeyEntry | null> {
    await this.#refreshIfDue();
    if (!API_KEY_PATTERN.test(presented)) return null;
    return this.#byHash.get(hashApiKey(presented)) ?? null;
  }

  #install(fileKeys: ApiKeyEntry[], stamp: string): void {
    const byHash = new Map<string, ApiKeyEntry>();
    for (const entry of [...this.#options.envKeys, ...fileKeys]) byHash.set(entry.hash, entry);
    this.#byHash = byHash;
    this.#stamp = stamp;
  }

  #refreshIfDue(): Promise<void> {
    const { file, recheckMs, now } = this.#options;
    if (!file || now() - this.#checkedAt < recheckMs) return Promise.resolve();
    // Concurrent requests share one check.
    this.#checking ??= this.#refresh(file).finally(() => {
      this.#checkedAt = now();
      this.#checking = null;
    });
    return this.#checking;
  }

  async #refresh(file: string): Promise<void> {
    let stamp = 'unreadable';
    try {
      stamp = stampOf(await statOrNull(file));
      if (stamp === this.#stamp) return;
      this.#install(stamp === 'absent' ? [] : await readKeysFile(file), stamp);
      this.#options.logger?.info({ keys: this.#byHash.size }, 'api keys reloaded');
    } catch (error) {
      // Re-read on every check, but logged once per version of the file.
      if (this.#stamp === `failed ${stamp}`) return;
      this.#install([], `failed ${stamp}`);
      this.#options.logger?.error({ err: error }, 'api keys file unreadable: its keys are refused until it is fixed');
    }
  }
}

async function statOrNull(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
