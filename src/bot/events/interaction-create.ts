import { type ButtonInteraction, Events, type Interaction, MessageFlags, type RepliableInteraction } from 'discord.js';
import { ReelrecError } from '../../errors.js';
import { commands, FORGET_CANCEL, FORGET_CONFIRM } from '../commands/index.js';
import { type BotContext, storeUserId } from '../context.js';
import type { BotEvent } from './types.js';

const byName = new Map(commands.map((c) => [c.data.name, c]));

/** Answers privately, whether or not the interaction was already answered. */
async function tell(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.replied || interaction.deferred) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

async function onButton(interaction: ButtonInteraction, context: BotContext): Promise<void> {
  const [kind, action, owner] = interaction.customId.split(':');
  if (kind !== 'forget') return;
  if (owner !== interaction.user.id) {
    await tell(interaction, 'Only the person who asked can answer this.');
    return;
  }
  if (`${kind}:${action}` === FORGET_CANCEL) {
    await interaction.update({ content: 'Kept: nothing was erased.', components: [] });
    return;
  }
  if (`${kind}:${action}` === FORGET_CONFIRM) {
    const erased = await context.likes.forget(storeUserId(interaction.user.id));
    await interaction.update({
      content: `Erased ${erased.likes} like${erased.likes === 1 ? '' : 's'}. reelrec no longer knows your taste.`,
      components: [],
    });
  }
}

export const interactionCreate: BotEvent<Events.InteractionCreate> = {
  name: Events.InteractionCreate,
  async execute(context, interaction: Interaction) {
    if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
    try {
      const verdict = context.limiter.hit(interaction.user.id);
      if (!verdict.allowed) {
        await tell(interaction, `Slow down a little: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s.`);
        return;
      }
      if (interaction.isButton()) {
        await onButton(interaction, context);
        return;
      }
      const command = byName.get(interaction.commandName);
      if (!command) {
        await tell(interaction, `Unknown command /${interaction.commandName}.`);
        return;
      }
      await command.execute(interaction, context);
    } catch (error) {
      // Our own errors say what was wrong with the request; anything else stays in the log.
      const known = error instanceof ReelrecError;
      context.log.error(
        { err: error, command: interaction.isChatInputCommand() ? interaction.commandName : 'button' },
        'interaction failed',
      );
      await tell(interaction, known ? error.message : 'Something went wrong on our side; it has been logged.').catch((reply: unknown) =>
        context.log.warn({ err: reply }, 'could not report the failure to the user'),
      );
    }
  },
};
