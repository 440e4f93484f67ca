import type { ClientEvents } from 'discord.js';
import type { BotContext } from '../context.js';

/** A gateway event handler as the discord.js guide shapes them: which event, once or always, and what to do. */
export interface BotEvent<K extends keyof ClientEvents = keyof ClientEvents> {
  name: K;
  once?: boolean;
  execute(context: BotContext, ...args: ClientEvents[K]): Promise<void>;
}
