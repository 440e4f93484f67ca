import type { ChatInputCommandInteraction } from 'discord.js';
import type { MovieSummary } from '../service/index.js';
import { type BotContext, DISLIKE_EMOJI, LIKE_EMOJI } from './context.js';
import { type MovieEmbedExtras, movieMessage } from './embeds.js';

/**
 * Posts one follow-up message per movie (reactions belong to a message, so one movie each),
 * remembers which movie each shows, and adds 👍 and 👎 so people only have to click.
 */
export async function postMovies(
  interaction: ChatInputCommandInteraction,
  context: BotContext,
  movies: ReadonlyArray<{ movie: MovieSummary; extras?: MovieEmbedExtras }>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const { movie, extras } of movies) {
    const content = await movieMessage(movie, context.posters, extras);
    const message = await context.messages.whilePosting(async () => {
      const posted = await interaction.followUp(content);
      await context.messages.remember(posted.id, posted.channelId, movie.id);
      return posted;
    });
    await message.react(LIKE_EMOJI);
    await message.react(DISLIKE_EMOJI);
    ids.push(message.id);
  }
  return ids;
}
