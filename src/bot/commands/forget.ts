import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from './types.js';

/** Button ids carry the user they were offered to, so nobody else can press them. */
export const FORGET_CONFIRM = 'forget:confirm';
export const FORGET_CANCEL = 'forget:cancel';

export const forget: Command = {
  data: new SlashCommandBuilder().setName('forget').setDescription('Erase everything reelrec stores about you (asks first)'),
  async execute(interaction) {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`${FORGET_CONFIRM}:${interaction.user.id}`).setLabel('Erase my likes').setStyle(ButtonStyle.Danger),
      new ButtonBuilder().setCustomId(`${FORGET_CANCEL}:${interaction.user.id}`).setLabel('Keep them').setStyle(ButtonStyle.Secondary),
    );
    await interaction.reply({
      content: 'This erases all your likes and dislikes from reelrec. Are you sure?',
      components: [row],
      flags: MessageFlags.Ephemeral,
    });
  },
};
