import { deployCommands } from '../bot/index.js';
import { loadConfig } from '../config.js';
import type { FakeDiscord } from './fake-discord/index.js';

/**
 * Registers the bot's slash commands in the fake's guild through the real deploy script, so the
 * fake types each command option as the bot declared it (page: Integer).
 */
export function deployCommandsTo(fake: FakeDiscord): Promise<{ scope: string; count: number }> {
  return deployCommands(
    loadConfig({
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guildId,
      REELREC_DISCORD_API: fake.restUrl,
    }),
  );
}
