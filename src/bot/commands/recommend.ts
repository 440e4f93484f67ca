import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { myLikes } from '../my-likes.js';
import { postMovies } from '../post.js';
import type { Command } from './types.js';

export const RECOMMENDATIONS = 10;

export const recommend: Command = {
  data: new SlashCommandBuilder().setName('recommend').setDescription('Your top 10 from the movies you reacted to'),
  async execute(interaction, context) {
    const { liked, disliked } = await myLikes(context, interaction.user.id);
    if (liked.length === 0) {
      await interaction.reply({
        content: 'You have not liked any movie yet. Use /movies and react 👍 to a few posters, then ask again.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const answer = await context.service.recommendFromLikes({ liked, disliked, k: RECOMMENDATIONS });
    await interaction.reply(
      `Your top ${answer.items.length}, from ${liked.length} like${liked.length === 1 ? '' : 's'}${disliked.length ? ` and ${disliked.length} dislike${disliked.length === 1 ? '' : 's'}` : ''}. React to refine the next answer.`,
    );
    await postMovies(
      interaction,
      context,
      answer.items.map((item, i) => ({ movie: item.movie, extras: { rank: i + 1, score: item.score, reasons: item.reasons } })),
    );
  },
};
