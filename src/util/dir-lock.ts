import { readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ReelrecError } from '../errors.js';

/** Who holds a lock file: written into it as JSON when it is taken. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  started: string;
  /** What the holder is doing, for the waiting line ("the first build"). */
  purpose: string;
}

export interface HeldLock {
  file: string;
  owner: LockOwner;
  /** Removes the lock file if it still names this holder (a taken-over lock is left alone). */
  release(): Promise<void>;
}

/** A lock another live process holds (still, after waiting as long as allowed). */
export class LockHeldError extends ReelrecError {
  override name = 'LockHeldError';
  constructor(
    readonly file: string,
    readonly owner: LockOwner,
    detail: string,
  ) {
    super('locked', detail);
  }
}

/**
 * A lock file is created and then written, so a reader may briefly see it empty; only an empty or
 * unreadable file older than this is taken for the leftover of a holder that died in between.
 */
const UNWRITTEN_GRACE_MS = 10_000;

/** False only when `pid` certainly is not running on this host (EPERM means it runs as someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** How often a holder touches its lock file, and how long without a touch makes it stale. */
export const HEARTBEAT_MS = 30_000;
export const HEARTBEAT_STALE_MS = 10 * 60_000;

/**
 * True when the holder is certainly gone: a process of this host that is not running (or has this
 * very pid: a container restarted with the same pid), or, for another host's pid that cannot be
 * checked (a container's hostname changes on restart), a lock not touched for HEARTBEAT_STALE_MS.
 */
export function ownerGone(owner: LockOwner, touchedMsAgo: number): boolean {
  if (owner.hostname === hostname()) return owner.pid === process.pid || !processAlive(owner.pid);
  return touchedMsAgo > HEARTBEAT_STALE_MS;
}

export function describeOwner(owner: LockOwner): string {
  if (owner.pid === 0) return owner.purpose;
  const where = owner.hostname === hostname() ? '' : ` on ${owner.hostname}`;
  return `${owner.purpose} by pid ${owner.pid}${where} (since ${owner.started})`;
}

async function readOwner(file: string): Promise<LockOwner | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string' && typeof owner.started === 'string') {
      return { pid: owner.pid, hostname: owner.hostname, started: owner.started, purpose: owner.purpose ?? 'a reelrec process' };
    }
  } catch {
    // fall through: half-written or not ours
  }
  return 'unreadable';
}

const sameOwner = (a: LockOwner, b: LockOwner) => a.pid === b.pid && a.hostname === b.hostname && a.started === b.started;

/**
 * Removes a stale lock without ever removing a live one: the file is first renamed aside, and if
 * what was moved is not the stale lock that was read (a newcomer replaced it meanwhile), it is put back.
 */
async function removeStale(file: string, stale: LockOwner | null): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readOwner(aside);
  if (stale !== null && typeof moved !== 'string' && !sameOwner(moved, stale)) await rename(aside, file);
  else await rm(aside, { force: true });
}

/**
 * One attempt: takes the lock (exclusive create), taking over a stale one with a log line, or
 * answers who holds it.
 */
export async function tryLock(file: string, purpose: string, log: (line: string) => void): Promise<HeldLock | LockOwner> {
  for (;;) {
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), started: new Date().toISOString(), purpose };
    try {
      await writeFile(file, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
      return held(file, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readOwner(file);
    if (current === 'missing') continue;
    const touched = (await stat(file).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    const age = Date.now() - touched;
    if (current === 'unreadable') {
      // Being written this very moment: a holder whose pid is not known yet (pid 0).
      if (age < UNWRITTEN_GRACE_MS)
        return { pid: 0, hostname: hostname(), started: new Date(touched).toISOString(), purpose: 'a process taking the lock' };
      log(`reelrec: removing the unreadable lock ${file} (older than ${UNWRITTEN_GRACE_MS / 1000} s)`);
      await removeStale(file, null);
      continue;
    }
    if (!ownerGone(current, age)) return current;
    log(`reelrec: taking over ${file}: ${describeOwner(current)} is no longer running`);
    await removeStale(file, current);
  }
}

/** A taken lock: touched every HEARTBEAT_MS so another host can tell it is alive. */
function held(file: string, owner: LockOwner): HeldLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    // A missed touch only ages the lock; release() still checks it is ours before removing it.
    utimes(file, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    file,
    owner,
    release: async () => {
      clearInterval(heartbeat);
      const current = await readOwner(file);
      if (typeof current !== 'string' && sameOwner(current, owner)) await rm(file, { force: true });
    },
  };
}

export interface WaitOptions {
  purpose: string;
  log: (line: string) => void;
  /** How long to wait for a live holder before giving up with LockHeldError. */
  waitMs: number;
  /** How often to look again. */
  pollMs?: number;
}

/**
 * Takes the lock, waiting (one log line, then quietly) while a live process holds it; a holder that
 * dies meanwhile is taken over. Past `waitMs` it throws LockHeldError naming the holder.
 */
export async function acquireLock(file: string, options: WaitOptions): Promise<HeldLock> {
  const deadline = Date.now() + options.waitMs;
  let announced: LockOwner | null = null;
  for (;;) {
    const got = await tryLock(file, options.purpose, options.log);
    if ('release' in got) return got;
    if (announced === null || !sameOwner(announced, got)) {
      options.log(`reelrec: waiting for ${describeOwner(got)} to finish (lock ${file}; up to ${Math.round(options.waitMs / 60_000)} min)`);
      announced = got;
    }
    if (Date.now() >= deadline) {
      throw new LockHeldError(
        file,
        got,
        `${describeOwner(got)} still holds ${file} after ${Math.round(options.waitMs / 1000)} s; wait for it, or stop it (remove the file only if that process is gone)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
  }
}
