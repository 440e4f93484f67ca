import { type Config, type ConfigOverrides, loadConfig } from '../config.js';

export { movielensBase } from '../paths.js';

/** Loads config with the flags a command shares (`--data`, `--seed`, `--text`). */
export function configFromFlags(flags: { data?: string; seed?: string; text?: string; dataset?: string }): Config {
  const overrides: ConfigOverrides = { movielensDir: flags.data, seed: flags.seed, textFile: flags.text, dataset: flags.dataset };
  return loadConfig(process.env, overrides, { movielensDir: '--data', seed: '--seed', textFile: '--text', dataset: '--dataset' });
}
