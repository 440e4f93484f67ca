import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { acquireLock, describeOwner, type HeldLock, LockHeldError, tryLock } from '../util/dir-lock.js';

/**
 * The data dir's build lock: whoever writes a build into `<data>` (the first start's build,
 * `reelrec build`) holds `<data>/.reelrec.lock` until it is done. Serving a finished build does
 * not take it, so several instances may serve one data dir.
 */
export const BUILD_LOCK_NAME = '.reelrec.lock';

/**
 * How long a start waits for another process's build before giving up: a first build takes a
 * few minutes on ml-100k and well under half an hour on the larger sets, so a holder still busy
 * after this is stuck rather than slow.
 */
export const BUILD_WAIT_MS = 30 * 60_000;

export function buildLockFile(config: Config): string {
  return path.join(config.dataDir, BUILD_LOCK_NAME);
}

/** Takes the build lock, waiting up to `waitMs` for a live holder (a start waits for the build it needs). */
export async function waitForBuildLock(
  config: Config,
  purpose: string,
  log: (line: string) => void,
  waitMs = BUILD_WAIT_MS,
): Promise<HeldLock> {
  await mkdir(config.dataDir, { recursive: true });
  return acquireLock(buildLockFile(config), { purpose, log, waitMs });
}

/** Takes the build lock or refuses at once (an explicit `reelrec build` would only redo the other's work). */
export async function takeBuildLock(config: Config, purpose: string, log: (line: string) => void): Promise<HeldLock> {
  await mkdir(config.dataDir, { recursive: true });
  const file = buildLockFile(config);
  const got = await tryLock(file, purpose, log);
  if ('release' in got) return got;
  throw new LockHeldError(
    file,
    got,
    `${describeOwner(got)} is writing a build into ${config.dataDir} (lock ${file}); run this again when it has finished`,
  );
}
