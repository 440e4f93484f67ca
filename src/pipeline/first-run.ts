import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { ConfigError, ReelrecError } from '../errors.js';
import { artifactsDir, lancedbUri, movielensBase } from '../paths.js';
import { downloadDataset, findTextFile, locateDataset } from '../recsys/data/index.js';
import { runBuild } from './build.js';

/** What a build leaves in the data dir; `artifacts` goes last since its build.json marks a finished build. */
const BUILT_DIRS = ['lancedb', 'models', 'artifacts'] as const;
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
 * The first build on a machine, done so that a crash leaves nothing half-built: everything is
 * built under `<data>/.first-build-<pid>/` and then moved into place, `artifacts/` (with the
 * build.json that marks a finished build) last. Leftovers of an interrupted attempt are removed
 * first. A store on object storage (`az://…`) cannot be moved: it is built in place, and stays
 * "not built" until build.json appears.
 */
export async function firstRunBuild(config: Config, log: (line: string) => void): Promise<void> {
  const datasetDir = await obtainMovieLens(config, log);
  await mkdir(config.dataDir, { recursive: true });
  for (const entry of await readdir(config.dataDir)) {
    if (entry.startsWith(WORK_PREFIX)) await rm(path.join(config.dataDir, entry), { recursive: true, force: true });
  }
  const work = path.join(config.dataDir, `${WORK_PREFIX}${process.pid}`);
  const remoteStore = config.lancedbUri !== undefined && /^[a-z0-9]+:\/\//i.test(config.lancedbUri);
  const staged: Config = { ...config, dataDir: work, ...(remoteStore ? {} : { lancedbUri: path.join(work, 'lancedb') }) };
  const textFile = config.textFile ?? findTextFile(datasetDir) ?? undefined;
  try {
    await runBuild(staged, { datasetDir, ...(textFile ? { textFile } : {}), log });
    for (const name of BUILT_DIRS) {
      const from = path.join(work, name);
      if (!existsSync(from)) continue;
      const to = name === 'lancedb' ? lancedbUri(config) : path.join(config.dataDir, name);
      // An earlier interrupted switch may have left a copy: it never held a finished build.
      if (existsSync(to)) await rm(to, { recursive: true, force: true });
      await mkdir(path.dirname(to), { recursive: true });
      await rename(from, to);
    }
  } catch (error) {
    throw error instanceof ReelrecError
      ? error
      : new ReelrecError('build_failed', `the first build failed: ${String(error)}`, { cause: error });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
