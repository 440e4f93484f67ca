import { type Logger, pino } from 'pino';
import { createApp, type RunningServer, serveApp } from '../api/index.js';
import { type Bot, type BotOptions, startBot } from '../bot/index.js';
import type { Config } from '../config.js';
import { ConfigError, ReelrecError } from '../errors.js';
import { ApiKeyRegistry, keysFilePath, parseApiKeysSetting } from '../keys/index.js';
import { discordLikesJournalDir } from '../paths.js';
import { createVisitorLikes, type LoadedService, loadService } from '../service/index.js';
import { builtName, firstRunBuild, isBuilt } from './first-run.js';
import { startStoreMaintenance } from './store-maintenance.js';

/** The bot's options from the settings; shared by `reelrec start` and `reelrec bot`. */
export function botOptions(config: Config, loaded: LoadedService, logger: Logger): BotOptions {
  if (!config.discordToken) throw new ConfigError('DISCORD_TOKEN', 'is not set (the bot token from the Discord developer portal)');
  return {
    service: loaded.service,
    store: loaded.store,
    token: config.discordToken,
    logger: logger.child({ front: 'discord' }),
    remotePosters: config.remotePosters === 'on',
    likeJournalDir: discordLikesJournalDir(config),
    ...(config.discordApi ? { restApi: config.discordApi } : {}),
  };
}

export interface Serving {
  server: RunningServer;
  loaded: LoadedService;
  /** The Discord bot, running beside the web server when DISCORD_TOKEN is set. */
  bot: Bot | null;
  /** Seconds from the call to the first request it can answer (load, or build then load). */
  readySeconds: number;
  built: boolean;
  close(): Promise<void>;
}

/**
 * Loads the service from what `reelrec build` made — building it first when nothing was built
 * yet and `build` is allowed — and serves the API and poster page on config.port.
 */
export async function serveFromArtifacts(config: Config, options: { build: boolean; log: (line: string) => void }): Promise<Serving> {
  const started = performance.now();
  const logger = pino({ level: config.logLevel });
  // Before any build: a bad REELREC_API_KEYS or keys file stops the start at once.
  const apiKeys = await ApiKeyRegistry.open({ envKeys: parseApiKeysSetting(config.apiKeys), file: keysFilePath(config.dataDir), logger });
  let built = false;
  // A build that never finished counts as none: its pieces are replaced, never served.
  const name = await builtName(config);
  if (!isBuilt(config, name)) {
    if (!options.build) {
      throw new ReelrecError(
        'service_not_built',
        `nothing is built for ${name} in ${config.dataDir}; run \`reelrec build\` (or start without --no-build)`,
      );
    }
    options.log(`reelrec start: nothing built for ${name} in ${config.dataDir} yet; building it now (a few minutes, once)`);
    built = await firstRunBuild(config, options.log);
  }
  const loaded = await loadService(config);
  options.log(`reelrec start: ${loaded.ranking}`);
  const app = createApp({
    service: loaded.service,
    logger,
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit > 0 ? { windowMs: 60_000, max: config.rateLimit } : null,
    bodyLimitBytes: config.bodyLimit,
    remotePosters: config.remotePosters === 'on',
    clientKey: { clientIpHeader: config.clientIpHeader, trustedProxyHops: config.trustedProxyHops },
    apiKeys: { registry: apiKeys, max: config.apiKeyRateLimit },
    visitorLikes: createVisitorLikes(loaded.store, loaded.service),
    cookieSecure: config.cookieSecure,
  });
  const server = await serveApp(app, { port: config.port, host: config.host });
  let bot: Bot | null = null;
  if (config.discordToken) {
    try {
      bot = await startBot(botOptions(config, loaded, logger));
    } catch (error) {
      await server.close();
      await loaded.close();
      throw error;
    }
  }
  const maintenance = startStoreMaintenance(config, loaded.store, logger.child({ task: 'store-upkeep' }));
  return {
    server,
    loaded,
    bot,
    built,
    readySeconds: (performance.now() - started) / 1000,
    close: async () => {
      // Stop taking work first, then write what is queued, then release the store.
      await server.close();
      await bot?.stop();
      await maintenance?.stop();
      await loaded.close();
    },
  };
}
