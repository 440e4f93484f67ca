import path from 'node:path';
import { type Config, type ConfigOverrides, loadConfig } from '../config.js';

/** The MovieLens base folder: --data, else MOVIELENS_DIR, else where `data download` puts datasets. */
export function movielensBase(config: Config): string {
  return config.movielensDir ?? path.join(config.dataDir, 'movielens');
}

/** Loads config with the flags a command shares (`--data`, `--seed`, `--text`). */
export function configFromFlags(flags: { data?: string; seed?: string; text?: string; dataset?: string }): Config {
  const overrides: ConfigOverrides = { movielensDir: flags.data, seed: flags.seed, textFile: flags.text, dataset: flags.dataset };
  return loadConfig(process.env, overrides, { movielensDir: '--data', seed: '--seed', textFile: '--text', dataset: '--dataset' });
}
