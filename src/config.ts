import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DATASET_NAMES, DEFAULT_MOVIELENS_BASE_URL } from './recsys/data/datasets.js';

/**
 * Every setting reelrec reads, from the environment with optional CLI flag overrides.
 * Each entry names its env var so a bad value is reported as `VAR: what was expected, got "x"`.
 */
const SETTINGS = {
  dataDir: { env: 'REELREC_DATA_DIR', schema: z.string().min(1).default('data') },
  movielensDir: { env: 'MOVIELENS_DIR', schema: z.string().min(1).optional() },
  dataset: {
    env: 'REELREC_DATASET',
    schema: z.enum(DATASET_NAMES).default('ml-100k'),
  },
  movielensBaseUrl: {
    env: 'REELREC_MOVIELENS_BASE_URL',
    schema: z.url({ protocol: /^https?$/ }).default(DEFAULT_MOVIELENS_BASE_URL),
  },
  textFile: { env: 'REELREC_TEXT_FILE', schema: z.string().min(1).optional() },
  seed: {
    env: 'REELREC_SEED',
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(42),
  },
  embedder: { env: 'REELREC_EMBEDDER', schema: z.enum(['auto', 'lamini', 'hashing']).default('auto') },
  laminiModel: { env: 'REELREC_LAMINI_MODEL', schema: z.string().min(1).default('Xenova/LaMini-Flan-T5-77M') },
  /** Model downloads (LaMini ONNX files); default `<REELREC_DATA_DIR>/models/hf`. */
  modelCache: { env: 'REELREC_MODEL_CACHE', schema: z.string().min(1).optional() },
  offline: { env: 'REELREC_OFFLINE', schema: z.enum(['on', 'off']).default('off') },
  /** LanceDB location: a folder, or an object-store URI such as `az://container/path`; default `<REELREC_DATA_DIR>/lancedb`. */
  lancedbUri: { env: 'REELREC_LANCEDB_URI', schema: z.string().min(1).optional() },
  /** Read directly by progress.ts (a leaf every module uses); validated here with the rest. */
  progress: { env: 'REELREC_PROGRESS', schema: z.enum(['on', 'off']).default('on') },
  /** Seconds between plain progress lines when stderr is not a terminal; read by progress.ts too. */
  progressEvery: { env: 'REELREC_PROGRESS_EVERY', schema: z.coerce.number().positive().default(5) },
  port: { env: 'PORT', schema: z.coerce.number().int().min(0).max(65535).default(3000) },
  host: { env: 'HOST', schema: z.string().min(1).default('0.0.0.0') },
  /** Comma list of origins allowed by CORS (`*` = any); empty = same-origin only, no CORS headers. */
  corsOrigins: {
    env: 'REELREC_CORS_ORIGINS',
    schema: z
      .string()
      .default('')
      .transform((raw) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      )
      .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'expected `*` or origins such as https://example.com'))),
  },
  /**
   * How many proxy hops in front of reelrec are trusted to append to X-Forwarded-For; 0 (default) = none:
   * the rate-limit key is the socket address and forwarded headers are ignored (they are the client's to forge).
   */
  trustedProxyHops: { env: 'REELREC_TRUSTED_PROXY_HOPS', schema: z.coerce.number().int().min(0).max(10).default(0) },
  /**
   * A header set by a trusted front end that holds the client address and overwrites any value the client sent
   * (`client-ip` on Azure App Service, which its docs say cannot be spoofed; see docs/api-keys-and-proxies.md).
   * Unset = not used. Takes precedence over REELREC_TRUSTED_PROXY_HOPS; absent or not an address = the socket's.
   */
  clientIpHeader: {
    env: 'REELREC_CLIENT_IP_HEADER',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a header name such as x-client-ip')
      .transform((h) => h.toLowerCase())
      .optional(),
  },
  /** Developer API keys as `name:sha256hex` entries, comma-separated (hashes only; `reelrec keys create` prints them). */
  apiKeys: { env: 'REELREC_API_KEYS', schema: z.string().optional() },
  /** Requests per minute for each developer API key (anonymous clients get REELREC_RATE_LIMIT). */
  apiKeyRateLimit: { env: 'REELREC_API_KEY_RATE_LIMIT', schema: z.coerce.number().int().min(1).max(1_000_000).default(1200) },
  /** Secure flag on the visitor cookie: auto = when the request came over https. */
  cookieSecure: { env: 'REELREC_COOKIE_SECURE', schema: z.enum(['auto', 'on', 'off']).default('auto') },
  /**
   * Store upkeep (compaction, old-version cleanup, duplicate repair): auto = on for a local store, off for a
   * shared `az://` store unless this instance is told `on` (exactly one instance, or a scheduled `reelrec store optimize`).
   */
  maintenance: { env: 'REELREC_MAINTENANCE', schema: z.enum(['auto', 'on', 'off']).default('auto') },
  /** Longest time between two upkeep runs while anything was written (seconds). */
  maintenanceIntervalSeconds: { env: 'REELREC_MAINTENANCE_INTERVAL', schema: z.coerce.number().int().min(1).max(86_400).default(60) },
  /**
   * New table versions that trigger an upkeep run at once. Each like write adds a fragment that a read
   * scans until compaction folds it into the table and its lookup index (measured on 21,000 likes: a
   * person's likes in 1.1 ms from a compacted table, 1.7 ms with 10 fresh fragments, 4.4 ms with 44), while
   * a compaction takes 10–50 ms on a quiet store; 10 keeps reads near the compacted figure (at 20, the
   * soak's reads were slower: commit f3821d8). docs/store-maintenance.md has the costs under load.
   */
  maintenanceVersions: { env: 'REELREC_MAINTENANCE_VERSIONS', schema: z.coerce.number().int().min(1).max(1_000_000).default(10) },
  /** Versions younger than this are never cleaned up, so a read in flight keeps its files (seconds). */
  maintenanceGraceSeconds: { env: 'REELREC_MAINTENANCE_GRACE', schema: z.coerce.number().int().min(1).max(86_400).default(10) },
  /** Requests per minute per client on the API; 0 turns the limiter off. */
  rateLimit: { env: 'REELREC_RATE_LIMIT', schema: z.coerce.number().int().min(0).max(1_000_000).default(120) },
  /**
   * Worker threads that rank fresh recommendations off the event loop, over one shared copy of the model;
   * unset = one per core (os.availableParallelism()); 0 = rank inline on the main thread (small catalogues, tests).
   */
  rankWorkers: { env: 'REELREC_RANK_WORKERS', schema: z.coerce.number().int().min(0).max(64).optional() },
  bodyLimit: { env: 'REELREC_BODY_LIMIT', schema: z.coerce.number().int().min(1).max(16_777_216).default(65_536) },
  /** on = Movie JSON carries TMDB image URLs; off = only the self-drawn SVG posters (no third-party requests). */
  remotePosters: { env: 'REELREC_REMOTE_POSTERS', schema: z.enum(['on', 'off']).default('on') },
  /** Azure Blob credentials for an `az://` store (several instances sharing one store). */
  azureAccountName: { env: 'AZURE_STORAGE_ACCOUNT_NAME', schema: z.string().min(1).optional() },
  azureAccountKey: { env: 'AZURE_STORAGE_ACCOUNT_KEY', schema: z.string().min(1).optional(), secret: true },
  /** Blob endpoint override, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`. */
  azureEndpoint: { env: 'AZURE_STORAGE_ENDPOINT', schema: z.string().url().optional() },
  /** on = talk to the Azurite emulator (plain HTTP, its well-known account). */
  azureEmulator: { env: 'REELREC_AZURE_EMULATOR', schema: z.enum(['on', 'off']).default('off') },
  /** The bot's token. A secret: only ever read from the environment, never logged or echoed in errors. */
  discordToken: { env: 'DISCORD_TOKEN', schema: z.string().min(1).optional(), secret: true },
  /** Application (client) id, for `bot:deploy-commands`. */
  discordApplicationId: {
    env: 'DISCORD_APPLICATION_ID',
    schema: z
      .string()
      .regex(/^\d{5,25}$/, 'expected a Discord snowflake id')
      .optional(),
  },
  /** Register commands in this guild only (instant), instead of globally (up to an hour to appear). */
  discordGuildId: {
    env: 'DISCORD_GUILD_ID',
    schema: z
      .string()
      .regex(/^\d{5,25}$/, 'expected a Discord snowflake id')
      .optional(),
  },
  /** Discord's REST base; only changed to point the bot at a local fake Discord in tests. */
  discordApi: { env: 'REELREC_DISCORD_API', schema: z.string().url().optional() },
  logLevel: { env: 'LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') },
} as const;

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };
export type ConfigOverrides = { [K in keyof Settings]?: string | number | undefined };

/**
 * Reads and validates all settings. Empty env values count as unset. Flags win over env;
 * `flagNames` (e.g. `{ seed: '--seed' }`) lets an error name the flag the user typed.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
  flagNames: { [K in keyof Settings]?: string } = {},
): Config {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const fromFlag = overrides[key as keyof Settings];
    const fromEnv = env[setting.env];
    const raw = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      const source = fromFlag !== undefined ? (flagNames[key as keyof Settings] ?? setting.env) : setting.env;
      const shown = 'secret' in setting && setting.secret ? '(hidden)' : JSON.stringify(raw);
      throw new ConfigError(source, `${parsed.error.issues[0]?.message ?? 'invalid value'} (got ${shown})`);
    }
    out[key] = parsed.data;
  }
  out.dataDir = resolve(out.dataDir as string);
  return out as Config;
}

/** Env var names and defaults, for `--help` and the README's configuration table. */
export function describeSettings(): Array<{ env: string; default: string }> {
  return Object.values(SETTINGS).map((s) => {
    const parsed = s.schema.safeParse(undefined);
    return { env: s.env, default: parsed.success && parsed.data !== undefined ? String(parsed.data) : '(unset)' };
  });
}

/**
 * Validates one numeric CLI flag: `--negatives: expected an integer from 1 to 100, got "x"`.
 * Flags that are not settings (per-command knobs) go through here.
 */
export function parseIntFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(flag, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Like parseIntFlag, for real numbers such as a learning rate: `--lr: expected a number from …`. */
export function parseNumberFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(flag, `expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
