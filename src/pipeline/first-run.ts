import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { ConfigError, ReelrecError } from '../errors.js';
import { artifactsDir, isRemoteStore, lancedbUri, modelCacheDir, movielensBase } from '../paths.js';
import { downloadDataset, findTextFile, locateDataset } from '../recsys/data/index.js';
import { processAlive } from '../util/dir-lock.js';
import { runBuild } from './build.js';
import { waitForBuildLock } from './build-lock.js';

const WORK_PREFIX = '.first-build-';

/** True when a build finished here: its report is the last thing written. */
export function isBuilt(config: Config, dataset: string): boolean {
  return existsSync(path.join(artifactsDir(config, dataset), 'build.json'));
}

/**
 * The name a build of the configured data gets: the MovieLens folder's own name (what the
 * loader calls the dataset), or REELREC_DATASET when the folder is not there yet.
 */
export async function builtName(config: Config): Promise<string> {
  const dir = await locateDataset(movielensBase(config), config.dataset).catch(() => null);
  return dir ? path.basename(dir) : config.dataset;
}

/**
 * The MovieLens folder: MOVIELENS_DIR when set (it must hold the dataset), else the data dir's
 * copy, downloaded from GroupLens on first use. A failed download says what to set instead.
 */
export async function obtainMovieLens(config: Config, log: (line: string) => void): Promise<string> {
  if (config.movielensDir) return locateDataset(movielensBase(config), config.dataset);
  const base = movielensBase(config);
  const found = await locateDataset(base, config.dataset).catch(() => null);
  if (found) return found;
  log(`reelrec: ${config.dataset} is not in ${base}; downloading it from ${config.movielensBaseUrl}`);
  try {
    return (await downloadDataset(config.dataset, { destDir: base, baseUrl: config.movielensBaseUrl })).dir;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      'MOVIELENS_DIR',
      `${config.dataset} could not be downloaded (${why}); set MOVIELENS_DIR to a folder holding ${config.dataset} (or its parent), or run \`reelrec data download\` where GroupLens is reachable`,
    );
  }
}

/**
 * Moves a finished piece into place. Whatever was there is never deleted: it is renamed aside
 * (`<name>.replaced-<time>`) and reported, since a store may hold people's likes.
 */
async function moveIn(from: string, to: string, log: (line: string) => void): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  if (existsSync(to)) {
    const aside = `${to}.replaced-${Date.now()}`;
    await rename(to, aside);
    log(`reelrec: kept the previous ${path.basename(to)} as ${aside}`);
  }
  await rename(from, to);
}

/**
 * The first build on a machine, done so that a crash leaves nothing half-built: everything is
 * built under `<data>/.first-build-<pid>/` and then moved into place, `artifacts/` (with the
 * build.json that marks a finished build) last. Anything already in place is renamed aside, never
 * deleted. A store on object storage (`az://…`) cannot be moved: it is built in place, and stays
 * "not built" until build.json appears.
 *
 * It runs holding the data dir's build lock: a second start waits for the first one's build (up to
 * `waitMs`) and then serves it instead of building again. Answers whether this call built.
 */
export async function firstRunBuild(config: Config, log: (line: string) => void, options: { waitMs?: number } = {}): Promise<boolean> {
  const lock = await waitForBuildLock(config, 'the first build', log, options.waitMs);
  try {
    const name = await builtName(config);
    if (isBuilt(config, name)) {
      log(`reelrec start: ${name} was built by another process meanwhile; serving that build`);
      return false;
    }
    await buildInScratch(config, log);
    return true;
  } finally {
    await lock.release();
  }
}

/**
 * Removes scratch folders of interrupted attempts: only while the build lock is held, and only
 * those whose builder process is gone (the pid is in the name; the data dir is this host's).
 */
async function clearDeadScratch(dataDir: string, log: (line: string) => void): Promise<void> {
  for (const entry of await readdir(dataDir)) {
    if (!entry.startsWith(WORK_PREFIX)) continue;
    const pid = Number(entry.slice(WORK_PREFIX.length));
    // Our own pid in the name is a leftover of an earlier process (containers reuse pids).
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      log(`reelrec: left ${entry} alone: process ${pid} is still running`);
      continue;
    }
    await rm(path.join(dataDir, entry), { recursive: true, force: true });
  }
}

async function buildInScratch(config: Config, log: (line: string) => void): Promise<void> {
  const datasetDir = await obtainMovieLens(config, log);
  await clearDeadScratch(config.dataDir, log);
  const work = path.join(config.dataDir, `${WORK_PREFIX}${process.pid}`);
  const remoteStore = isRemoteStore(config);
  // The model cache stays where it is: a LaMini model put there for offline use must be found.
  const staged: Config = {
    ...config,
    dataDir: work,
    modelCache: modelCacheDir(config),
    ...(remoteStore ? {} : { lancedbUri: path.join(work, 'lancedb') }),
  };
  const textFile = config.textFile ?? findTextFile(datasetDir) ?? undefined;
  try {
    await runBuild(staged, { datasetDir, ...(textFile ? { textFile } : {}), log });
    if (!remoteStore) await moveIn(path.join(work, 'lancedb'), lancedbUri(config), log);
    // Model and artefact folders go one by one (artifacts, holding build.json, last), so other
    // datasets' folders beside them stay.
    for (const name of ['models', 'artifacts'] as const) {
      const from = path.join(work, name);
      if (!existsSync(from)) continue;
      for (const entry of await readdir(from)) await moveIn(path.join(from, entry), path.join(config.dataDir, name, entry), log);
    }
  } catch (error) {
    throw error instanceof ReelrecError
      ? error
      : new ReelrecError('build_failed', `the first build failed: ${String(error)}`, { cause: error });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
