import { type Client, Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { LikeLimitError, LikeNotSavedError } from '../../store/index.js';
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
  await context.reactionQueue.run(user.id, () => applyReaction(context, reaction.client, reaction.message.id, user.id, value, added));
}

async function applyReaction(
  context: BotContext,
  client: Client,
  messageId: string,
  userId: string,
  value: 1 | -1,
  added: boolean,
): Promise<void> {
  let movie: number | null = null;
  try {
    movie = await context.messages.movieOf(messageId);
    if (movie === null) {
      context.stats.reactionsIgnored++;
      return;
    }
    const key = storeUserId(userId);
    if (added) await context.likes.set(key, movie, value);
    else await context.likes.clear(key, movie, value);
    context.stats.reactionsHandled++;
  } catch (error) {
    if (movie !== null && (error instanceof LikeNotSavedError || error instanceof LikeLimitError)) {
      await refused(context, client, userId, movie, value, added, error);
      return;
    }
    context.stats.reactionsFailed++;
    context.log.error({ err: error, message: messageId }, 'reaction not recorded');
  }
}

/**
 * A reaction cannot be answered, and the person's emoji stays on the poster whatever we stored; so the
 * refusal is logged loudly and the person is told by direct message (if their settings allow it).
 */
async function refused(
  context: BotContext,
  client: Client,
  userId: string,
  movie: number,
  value: 1 | -1,
  added: boolean,
  error: LikeNotSavedError | LikeLimitError,
): Promise<void> {
  context.stats.reactionsRefused++;
  context.log.error(
    { err: error, code: error.code, user: userId, movie, added, ...(error instanceof LikeNotSavedError ? { detail: error.detail } : {}) },
    'reaction refused: the like change was not saved',
  );
  const emoji = value === 1 ? LIKE_EMOJI : DISLIKE_EMOJI;
  const title = context.service.hasMovie(movie) ? context.service.getMovie(movie).title : `movie ${movie}`;
  const content = added
    ? `Your ${emoji} on ${title} did not count: ${error.message}. Remove it and react again later.`
    : `Removing your ${emoji} on ${title} did not count (it still does): ${error.message}.`;
  try {
    await (await client.users.createDM(userId)).send({ content, allowedMentions: { parse: [] } });
  } catch (dm) {
    context.log.warn({ err: dm, user: userId }, 'could not tell the person by direct message that their reaction was refused');
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
