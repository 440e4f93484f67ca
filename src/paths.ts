import path from 'node:path';
import type { Config } from './config.js';

/** Where each artefact lives, derived from the settings in one place. */

/** The MovieLens base folder: MOVIELENS_DIR (or --data), else where `data download` puts datasets. */
export function movielensBase(config: Config): string {
  return config.movielensDir ?? path.join(config.dataDir, 'movielens');
}

/** Where LaMini model files are cached. */
export function modelCacheDir(config: Config): string {
  return config.modelCache ?? path.join(config.dataDir, 'models', 'hf');
}

/**
 * LanceDB object-store options for the configured URI: Azure credentials for `az://`, nothing for
 * a local folder. Keys are those of LanceDB's object store (account_name, account_key, …).
 */
export function storageOptions(config: Config): Record<string, string> | undefined {
  const uri = lancedbUri(config);
  if (!uri.startsWith('az://')) return undefined;
  return {
    ...(config.azureAccountName ? { account_name: config.azureAccountName } : {}),
    ...(config.azureAccountKey ? { account_key: config.azureAccountKey } : {}),
    ...(config.azureEndpoint ? { endpoint: config.azureEndpoint } : {}),
    // object_store's use_emulator always means 127.0.0.1:10000 and ignores `endpoint`: only sent without one.
    ...(config.azureEmulator === 'on' ? { allow_http: 'true', ...(config.azureEndpoint ? {} : { use_emulator: 'true' }) } : {}),
  };
}

/** The LanceDB URI: REELREC_LANCEDB_URI, else a folder under the data dir. */
export function lancedbUri(config: Config): string {
  return config.lancedbUri ?? path.join(config.dataDir, 'lancedb');
}

/** True when the store is on object storage (`az://…`), not a folder: it cannot be moved or shipped. */
export function isRemoteStore(config: Config): boolean {
  return /^[a-z0-9]+:\/\//i.test(lancedbUri(config));
}

/** A NeuMF model folder; `label` is `base` or `genre`. */
export function modelDir(config: Config, dataset: string, label: 'base' | 'genre' = 'base'): string {
  return path.join(config.dataDir, 'models', label === 'base' ? `neumf-${dataset}` : `neumf-${dataset}-genre`);
}

/** Build outputs people may want to read: sampled datasets, the genre dataset, charts, build.json. */
export function artifactsDir(config: Config, dataset: string): string {
  return path.join(config.dataDir, 'artifacts', dataset);
}

/** The service artefact (EASE matrix, tuned blend weights) beside the models. */
export function serviceDir(config: Config, dataset: string): string {
  return path.join(config.dataDir, 'models', `service-${dataset}`);
}

/**
 * The LanceDB tables of item vectors (text, collaborative) the build searches for each movie's
 * nearest movies: beside the models, since only the build reads them (the service reads the lists).
 */
export function itemVectorsUri(config: Config, dataset: string): string {
  return path.join(config.dataDir, 'models', `item-vectors-${dataset}`);
}

/** The Discord bot's like journal: every like is fsynced here before it is shown (see docs/bot-durability.md). */
export function discordLikesJournalDir(config: Config): string {
  return path.join(config.dataDir, 'journal', 'discord-likes');
}
