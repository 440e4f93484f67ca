import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { postMovies } from '../post.js';
import type { Command } from './types.js';

export const PAGE_SIZE = 5;

export const movies: Command = {
  data: new SlashCommandBuilder()
    .setName('movies')
    .setDescription('Browse movie posters; react 👍 or 👎 to tell reelrec what you like')
    .addStringOption((o) => o.setName('genre').setDescription('Only this genre, e.g. Sci-Fi').setMaxLength(50))
    .addStringOption((o) => o.setName('search').setDescription('Words in the title').setMaxLength(100))
    .addIntegerOption((o) => o.setName('page').setDescription('Page number').setMinValue(1).setMaxValue(1000)),
  async execute(interaction, context) {
    const genre = interaction.options.getString('genre') ?? undefined;
    const search = interaction.options.getString('search') ?? undefined;
    const page = interaction.options.getInteger('page') ?? 1;
    const found = context.service.searchMovies({
      ...(genre ? { genre } : {}),
      ...(search ? { q: search } : {}),
      offset: (page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    });
    if (found.items.length === 0) {
      await interaction.reply({
        content:
          found.total === 0
            ? 'No movie matches that. Try another search or genre.'
            : `There are only ${Math.ceil(found.total / PAGE_SIZE)} pages.`,
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const pages = Math.ceil(found.total / PAGE_SIZE);
    const what = [genre, search ? `“${search}”` : null].filter(Boolean).join(', ') || 'most rated first';
    await interaction.reply(`Movies (${what}), page ${page} of ${pages}. React 👍 to like, 👎 to dislike; then try /recommend.`);
    await postMovies(
      interaction,
      context,
      found.items.map((movie) => ({ movie })),
    );
  },
};
