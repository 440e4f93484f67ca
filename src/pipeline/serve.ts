import { type Logger, pino } from 'pino';
import { createApp, type RunningServer, serveApp } from '../api/index.js';
import { type Bot, type BotOptions, startBot } from '../bot/index.js';
import type { Config } from '../config.js';
import { ConfigError, ReelrecError } from '../errors.js';
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
    await firstRunBuild(config, options.log);
    built = true;
  }
  const loaded = await loadService(config);
  const logger = pino({ level: config.logLevel });
  const app = createApp({
    service: loaded.service,
    logger,
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit > 0 ? { windowMs: 60_000, max: config.rateLimit } : null,
    bodyLimitBytes: config.bodyLimit,
    remotePosters: config.remotePosters === 'on',
    visitorLikes: createVisitorLikes(loaded.store, loaded.service),
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
