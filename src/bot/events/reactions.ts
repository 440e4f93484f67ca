import { Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { type BotContext, DISLIKE_EMOJI, LIKE_EMOJI, storeUserId } from '../context.js';
import type { BotEvent } from './types.js';

const VALUE: Record<string, 1 | -1> = { [LIKE_EMOJI]: 1, [DISLIKE_EMOJI]: -1 };

/**
 * 👍 likes, 👎 dislikes, removing the reaction undoes it (only if it is still the current one: a 👍
 * removed after a later 👎 leaves the dislike). Works on partial reactions: the message id and
 * emoji are in the gateway event, and the movie comes from the store, so nothing is fetched.
 */
async function onReaction(
  context: BotContext,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  added: boolean,
): Promise<void> {
  if (user.bot) return;
  const value = reaction.emoji.name ? VALUE[reaction.emoji.name] : undefined;
  if (value === undefined) return;
  try {
    const movie = await context.messages.movieOf(reaction.message.id);
    if (movie === null) return;
    const key = storeUserId(user.id);
    if (added) await context.likes.set(key, movie, value);
    else await context.likes.clear(key, movie, value);
  } catch (error) {
    context.log.error({ err: error, message: reaction.message.id }, 'reaction not recorded');
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
