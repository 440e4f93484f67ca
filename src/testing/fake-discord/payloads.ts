/** Gateway dispatch payloads the fake sends: interactions (slash commands, buttons) and reactions. */

import { randomBytes } from 'node:crypto';
import {
  type APIApplicationCommandInteractionDataOption,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionType,
} from 'discord-api-types/v10';
import { messageJson, parseEmoji, stubMessage } from './messages.js';
import { ALL_PERMISSIONS, type FakeState, type InteractionRecord } from './state.js';
import type { FakeReaction, FakeUser } from './types.js';

export type CommandOptions = Record<string, string | number | boolean>;

interface CommandOptionShape {
  name?: string;
  type?: number;
  options?: CommandOptionShape[];
}

/** The registered definition of a command (any scope), so option types match what the bot declared. */
function registeredCommand(state: FakeState, name: string): (CommandOptionShape & { id?: string }) | undefined {
  for (const commands of [state.commandsByScope.get(state.ids.guildId), state.commandsByScope.get('global'), state.commands]) {
    const found = (commands as Array<CommandOptionShape & { id?: string }> | undefined)?.find((c) => c.name === name);
    if (found) return found;
  }
  return undefined;
}

function optionType(declared: CommandOptionShape[] | undefined, name: string, value: string | number | boolean): number {
  const type = declared?.find((o) => o.name === name)?.type;
  if (type !== undefined) return type;
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof value === 'number')
    return Number.isInteger(value) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}

function newInteraction(state: FakeState, type: InteractionType, user: APIUser, channelId: string, name?: string): InteractionRecord {
  const id = state.nextId();
  const record: InteractionRecord = {
    id,
    token: `fake-interaction-${id}-${randomBytes(12).toString('hex')}`,
    type,
    ...(name ? { name } : {}),
    user,
    channelId,
    acknowledged: false,
    deferred: false,
    settled: false,
  };
  state.interactions.set(record.token, record);
  return record;
}

function basePayload(state: FakeState, interaction: InteractionRecord): Record<string, unknown> {
  return {
    id: interaction.id,
    application_id: state.ids.applicationId,
    type: interaction.type,
    guild_id: state.ids.guildId,
    channel: state.textChannel(),
    channel_id: interaction.channelId,
    member: state.member(interaction.user),
    user: interaction.user,
    token: interaction.token,
    version: 1,
    app_permissions: ALL_PERMISSIONS,
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': state.ids.guildId },
    context: 0,
    attachment_size_limit: 10 * 1024 * 1024,
  };
}

/** A CHAT_INPUT interaction; `name` may be 'command subcommand'. */
export function commandInteraction(state: FakeState, name: string, options: CommandOptions, input: FakeUser) {
  const user = state.user(input);
  const [commandName = name, subcommand] = name.trim().split(/\s+/);
  const command = registeredCommand(state, commandName);
  const declaredSub = subcommand ? command?.options?.find((o) => o.name === subcommand) : undefined;
  const declared = subcommand ? declaredSub?.options : command?.options;
  const users: Record<string, APIUser> = {};
  const members: Record<string, unknown> = {};
  const leaf: APIApplicationCommandInteractionDataOption[] = Object.entries(options).map(([optionName, value]) => {
    const type = optionType(declared, optionName, value);
    if (type === ApplicationCommandOptionType.User) {
      const target = state.users.get(String(value)) ?? state.user({ id: String(value) });
      users[target.id] = target;
      const { user: _omit, ...member } = state.member(target);
      members[target.id] = member;
    }
    return { name: optionName, type, value } as APIApplicationCommandInteractionDataOption;
  });
  const dataOptions = subcommand
    ? [{ name: subcommand, type: declaredSub?.type ?? ApplicationCommandOptionType.Subcommand, options: leaf }]
    : leaf;
  const interaction = newInteraction(state, InteractionType.ApplicationCommand, user, state.ids.channelId, commandName);
  const payload = {
    ...basePayload(state, interaction),
    data: {
      id: command?.id ?? state.nextId(),
      name: commandName,
      type: ApplicationCommandType.ChatInput,
      guild_id: state.ids.guildId,
      options: dataOptions,
      ...(Object.keys(users).length > 0 ? { resolved: { users, members } } : {}),
    },
  };
  return { interaction, payload };
}

/** A button click on `messageId`; @original of this interaction is that message. */
export function buttonInteraction(state: FakeState, customId: string, messageId: string, input: FakeUser) {
  const user = state.user(input);
  const record = state.records.get(messageId);
  const channelId = record?.message.channelId ?? state.ids.channelId;
  const interaction = newInteraction(state, InteractionType.MessageComponent, user, channelId);
  interaction.originalMessageId = messageId;
  const payload = {
    ...basePayload(state, interaction),
    message: record ? messageJson(state, record) : stubMessage(state, messageId, channelId),
    data: { custom_id: customId, component_type: ComponentType.Button },
  };
  return { interaction, payload };
}

/** MESSAGE_REACTION_ADD / _REMOVE data; guild reactions carry the member (with its user) like Discord's. */
export function reactionPayload(state: FakeState, kind: 'add' | 'remove', reaction: FakeReaction, channelId: string) {
  const guild = state.isGuildChannel(channelId);
  const user = state.users.get(reaction.userId) ?? state.user({ id: reaction.userId });
  const record = state.records.get(reaction.messageId);
  return {
    user_id: reaction.userId,
    channel_id: channelId,
    message_id: reaction.messageId,
    ...(guild ? { guild_id: state.ids.guildId } : {}),
    ...(guild && kind === 'add' ? { member: state.member(user) } : {}),
    ...(kind === 'add' && record ? { message_author_id: state.ids.botUserId } : {}),
    emoji: parseEmoji(reaction.emoji),
    burst: false,
    ...(kind === 'add' ? { burst_colors: [] } : {}),
    type: 0,
  };
}
