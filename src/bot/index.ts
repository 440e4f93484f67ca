/** The Discord front: a discord.js client on the shared recommendation service and store. */

export { type Bot, type BotOptions, createClient, startBot } from './bot.js';
export { type Command, commands } from './commands/index.js';
export { type BotContext, DISLIKE_EMOJI, LIKE_EMOJI, storeUserId } from './context.js';
export { deployCommands } from './deploy-commands.js';
export { type BotEvent, events } from './events/index.js';
