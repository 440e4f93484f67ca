import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { escapeMarkdown } from '../embeds.js';
import { myLikes } from '../my-likes.js';
import type { Command } from './types.js';

const SHOWN = 25;

export const likes: Command = {
  data: new SlashCommandBuilder().setName('likes').setDescription('The movies you liked (only you see the answer)'),
  async execute(interaction, context) {
    const { liked, disliked: dislikes } = await myLikes(context, interaction.user.id);
    const disliked = dislikes.length;
    if (liked.length === 0 && disliked === 0) {
      await interaction.reply({ content: 'Nothing yet: react 👍 or 👎 to posters from /movies.', flags: MessageFlags.Ephemeral });
      return;
    }
    const lines = liked.slice(0, SHOWN).map((id) => `👍 ${escapeMarkdown(context.service.getMovie(id).title)}`);
    if (liked.length > SHOWN) lines.push(`… and ${liked.length - SHOWN} more`);
    if (disliked > 0) lines.push(`👎 ${disliked} disliked`);
    await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral });
  },
};
