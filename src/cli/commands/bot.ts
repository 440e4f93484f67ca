import { Command } from 'commander';
import { pino } from 'pino';
import { deployCommands, startBot } from '../../bot/index.js';
import { botOptions } from '../../pipeline/serve.js';
import { loadService } from '../../service/index.js';
import { configFromFlags } from '../options.js';

const run = new Command('run')
  .description('run the Discord bot alone (DISCORD_TOKEN), on what `reelrec build` made')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .action(async (flags: { data?: string }) => {
    const config = configFromFlags(flags);
    const logger = pino({ level: config.logLevel });
    const loaded = await loadService(config);
    process.stderr.write(`reelrec bot: ${loaded.ranking}\n`);
    let bot: Awaited<ReturnType<typeof startBot>>;
    try {
      bot = await startBot(botOptions(config, loaded, logger));
    } catch (error) {
      await loaded.close();
      throw error;
    }
    process.stdout.write(`reelrec: Discord bot running as ${bot.client.user?.tag ?? 'unknown'} on ${loaded.service.info().dataset}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`reelrec: ${signal}, disconnecting the bot and writing queued likes\n`);
        void bot
          .stop()
          .then(() => loaded.close())
          .finally(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  });

const deploy = new Command('deploy-commands')
  .description('register the slash commands with Discord: in DISCORD_GUILD_ID when set (instant), else globally')
  .action(async () => {
    const result = await deployCommands(configFromFlags({}));
    process.stdout.write(`registered ${result.count} commands (${result.scope})\n`);
  });

export const botCommand = new Command('bot')
  .description('the Discord bot: `reelrec bot run`, `reelrec bot deploy-commands`')
  .addCommand(run, { isDefault: true })
  .addCommand(deploy);
