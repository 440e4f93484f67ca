import { type BotContext, storeUserId } from './context.js';

/**
 * A person's likes and dislikes of movies the catalogue still has. A rebuild may drop a movie someone
 * liked: that like stays stored (un-reacting or /forget still removes it) but is left out of what the
 * bot shows and recommends from, so one stale like never breaks a person's /likes or /recommend.
 */
export async function myLikes(context: BotContext, discordUserId: string): Promise<{ liked: number[]; disliked: number[] }> {
  const mine = [...(await context.likes.of(storeUserId(discordUserId)))].filter(([id]) => context.service.hasMovie(id));
  return {
    liked: mine.filter(([, v]) => v === 1).map(([id]) => id),
    disliked: mine.filter(([, v]) => v === -1).map(([id]) => id),
  };
}
