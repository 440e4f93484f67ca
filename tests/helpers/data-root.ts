import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

/**
 * Where the real datasets are for data-level tests: MOVIELENS_DIR when it is a folder holding
 * datasets, its parent when it is one dataset folder, else ../shared/data beside the repo.
 * Those files are never copied into the repo (the MovieLens licence forbids redistribution).
 */
export function sharedDataRoot(): string {
  const fromEnv = process.env.MOVIELENS_DIR;
  if (fromEnv) {
    const dir = path.resolve(fromEnv);
    return existsSync(path.join(dir, 'ml-100k')) || existsSync(path.join(dir, 'ml-latest-small')) ? dir : path.dirname(dir);
  }
  return path.resolve(REPO_ROOT, '..', 'shared', 'data');
}

export function hasSharedData(...parts: string[]): boolean {
  return existsSync(path.join(sharedDataRoot(), ...parts));
}
