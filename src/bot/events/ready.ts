import { Events } from 'discord.js';
import type { BotEvent } from './types.js';

export const ready: BotEvent<Events.ClientReady> = {
  name: Events.ClientReady,
  once: true,
  async execute(context, client) {
    context.log.info({ user: client.user.tag, guilds: client.guilds.cache.size }, 'discord bot ready');
  },
};
