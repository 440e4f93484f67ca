import { Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { type BotContext, DISLIKE_EMOJI, LIKE_EMOJI, storeUserId } from '../context.js';
import type { BotEvent } from './types.js';

const VALUE: Record<string, 1 | -1> = { [LIKE_EMOJI]: 1, [DISLIKE_EMOJI]: -1 };

/**
 * 👍 likes, 👎 dislikes, removing the reaction undoes it (only if it is still the current one: a 👍
 * removed after a later 👎 leaves the dislike). Works on partial reactions: the message id and
 * emoji are in the gateway event, and the movie comes from the store, so nothing is fetched.
 * One person's reactions apply strictly in arrival order (a per-user queue), whatever each waits on.
 */
async function onReaction(
  context: BotContext,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  added: boolean,
): Promise<void> {
  const value = reaction.emoji.name ? VALUE[reaction.emoji.name] : undefined;
  // A partial user (a DM reaction) may not say whether it is a bot; the bot's own id is always known.
  if (user.bot || user.id === reaction.client.user?.id || value === undefined) {
    context.stats.reactionsIgnored++;
    return;
  }
  await context.reactionQueue.run(user.id, () => applyReaction(context, reaction.message.id, user.id, value, added));
}

async function applyReaction(context: BotContext, messageId: string, userId: string, value: 1 | -1, added: boolean): Promise<void> {
  try {
    const movie = await context.messages.movieOf(messageId);
    if (movie === null) {
      context.stats.reactionsIgnored++;
      return;
    }
    const key = storeUserId(userId);
    if (added) await context.likes.set(key, movie, value);
    else await context.likes.clear(key, movie, value);
    context.stats.reactionsHandled++;
  } catch (error) {
    context.stats.reactionsFailed++;
    context.log.error({ err: error, message: messageId }, 'reaction not recorded');
  }
}

export const reactionAdd: BotEvent<Events.MessageReactionAdd> = {
  name: Events.MessageReactionAdd,
  execute: (context, reaction, user) => onReaction(context, reaction, user, true),
};

export const reactionRemove: BotEvent<Events.MessageReactionRemove> = {
  name: Events.MessageReactionRemove,
  execute: (context, reaction, user) => onReaction(context, reaction, user, false),
};
