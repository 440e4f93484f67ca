import { REST, Routes } from 'discord.js';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { commands } from './commands/index.js';

/**
 * Registers the slash commands with Discord, separately from running the bot (as the discord.js
 * guide does): in one guild when DISCORD_GUILD_ID is set (instant), else globally (can take an hour).
 */
export async function deployCommands(config: Config): Promise<{ scope: string; count: number }> {
  if (!config.discordToken) throw new ConfigError('DISCORD_TOKEN', 'is not set (the bot token from the Discord developer portal)');
  if (!config.discordApplicationId)
    throw new ConfigError('DISCORD_APPLICATION_ID', 'is not set (the application id from the Discord developer portal)');
  const rest = new REST(config.discordApi ? { api: config.discordApi } : {}).setToken(config.discordToken);
  const body = commands.map((c) => c.data.toJSON());
  const route = config.discordGuildId
    ? Routes.applicationGuildCommands(config.discordApplicationId, config.discordGuildId)
    : Routes.applicationCommands(config.discordApplicationId);
  await rest.put(route, { body });
  return { scope: config.discordGuildId ? `guild ${config.discordGuildId}` : 'global', count: body.length };
}
