import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { ReelrecError } from '../errors.js';

/** Who holds the upkeep lock of a local store, as written in the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  refreshed: string;
  token: string;
}

/** Another live process runs upkeep on this store. */
export class MaintenanceLockedError extends ReelrecError {
  override name = 'MaintenanceLockedError';
  constructor(
    readonly file: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process';
    super('maintenance_locked', `store upkeep already runs in ${who}; lock ${file} — wait for it, or stop that process`);
  }
}

const LOCK_NAME = '.reelrec-maintenance.lock';

/** Object stores (`az://`, `s3://`, …) have no lock file: there one instance or one scheduled job runs upkeep. */
export function isObjectStoreUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(uri);
}

/** The lock file of a local store (in the store folder), or null for an object store. */
export function maintenanceLockFile(uri: string): string | null {
  return isObjectStoreUri(uri) ? null : path.join(uri, LOCK_NAME);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface MaintenanceLockOptions {
  /** A holder that has not refreshed the file for this long is presumed gone (ms). */
  staleMs?: number;
  /** How often a holder rewrites its refresh time (ms). */
  refreshMs?: number;
}

/**
 * A lease on a local store's upkeep: created exclusively (`wx`), holding pid, host and times,
 * refreshed while held, and taken over when stale — its pid is dead on this host, or it was not
 * refreshed for `staleMs` (a holder on another host sharing the folder, or a hung one). A takeover
 * re-reads the file just before removing it, so only the stale content is ever removed; each run
 * checks the file still carries our token, so a holder that lost the lease stops running upkeep.
 */
export class MaintenanceLock {
  private readonly token = randomBytes(12).toString('hex');
  private readonly staleMs: number;
  private readonly refreshMs: number;
  private since: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    readonly file: string,
    options: MaintenanceLockOptions = {},
  ) {
    this.staleMs = options.staleMs ?? 180_000;
    this.refreshMs = options.refreshMs ?? 30_000;
  }

  /** Who holds it now (null when nobody does, or the file cannot be read yet). */
  async holder(): Promise<LockHolder | null> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as LockHolder;
    } catch {
      return null;
    }
  }

  /** True when this process holds the lock (acquired now, or still ours from before). */
  async acquire(): Promise<boolean> {
    if (this.since) {
      if ((await this.holder())?.token === this.token) return true;
      this.dropped();
    }
    if (await this.create()) return true;
    const raw = await readFile(this.file, 'utf8').catch(() => null);
    if (raw === null) return this.create(); // released meanwhile
    if (!(await this.isStale(raw))) return false;
    // Remove it only if it is still the content we judged stale (another taker may have won already).
    if ((await readFile(this.file, 'utf8').catch(() => null)) !== raw) return false;
    await unlink(this.file).catch(() => undefined);
    return this.create();
  }

  /** Throws MaintenanceLockedError when another live process holds the lock. */
  async acquireOrThrow(): Promise<void> {
    if (!(await this.acquire())) throw new MaintenanceLockedError(this.file, await this.holder());
  }

  get held(): boolean {
    return this.since !== null;
  }

  async release(): Promise<void> {
    if (!this.since) return;
    this.dropped();
    // A refresh already under way would rename its file back over the lock after the unlink.
    await this.refreshing;
    if ((await this.holder())?.token === this.token) await unlink(this.file).catch(() => undefined);
  }

  private content(): string {
    const now = new Date().toISOString();
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: this.since ?? now, refreshed: now, token: this.token };
    return `${JSON.stringify(holder)}\n`;
  }

  private async create(): Promise<boolean> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      this.since = new Date().toISOString();
      await handle.writeFile(this.content());
    } finally {
      await handle.close();
    }
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = null;
      });
    }, this.refreshMs);
    this.timer.unref();
    return true;
  }

  private async isStale(raw: string): Promise<boolean> {
    let holder: LockHolder | null = null;
    try {
      holder = JSON.parse(raw) as LockHolder;
    } catch {
      // Half-written by a creator right now, or garbage: judge it by the file's age alone.
    }
    if (holder && holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid)) return true;
    const refreshed = holder ? Date.parse(holder.refreshed) : (await stat(this.file).catch(() => null))?.mtimeMs;
    return refreshed === undefined || Number.isNaN(refreshed) || Date.now() - refreshed > this.staleMs;
  }

  private async refresh(): Promise<void> {
    if ((await this.holder())?.token !== this.token) {
      this.dropped();
      return;
    }
    // Write beside and rename over, so a reader never sees half a file.
    const tmp = `${this.file}.${this.token}.tmp`;
    try {
      await writeFile(tmp, this.content());
      await rename(tmp, this.file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }

  private dropped(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.since = null;
  }
}
