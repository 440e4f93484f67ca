import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeTasteDataset } from '../tests/fixtures/movielens-taste.js';
import { runCliAsync } from '../tests/helpers/cli.js';
import { SOAK_DATASET, type SoakFixture } from './fixture.js';

/** Builds the taste fixture once (hashing embedder, a few seconds); every suite copies the result. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const taste = await makeTasteDataset();
  const root = dirname(taste.dir);
  const datasetDir = join(root, SOAK_DATASET);
  await rename(taste.dir, datasetDir);
  const templateDataDir = await mkdtemp(join(tmpdir(), 'reelrec-soak-built-'));
  const started = performance.now();
  const built = await runCliAsync(['build', '--data', datasetDir, '--text', taste.textFile], {
    REELREC_DATA_DIR: templateDataDir,
    REELREC_DATASET: SOAK_DATASET,
    REELREC_EMBEDDER: 'hashing',
  });
  if (built.status !== 0) throw new Error(`reelrec build of the taste fixture failed (exit ${built.status}): ${built.stderr.trim()}`);
  const fixture: SoakFixture = {
    datasetDir,
    textFile: taste.textFile,
    templateDataDir,
    dataset: SOAK_DATASET,
    buildSeconds: (performance.now() - started) / 1000,
  };
  project.provide('soakFixture', fixture);
  return async () => {
    await rm(root, { recursive: true, force: true });
    await rm(templateDataDir, { recursive: true, force: true });
  };
}
