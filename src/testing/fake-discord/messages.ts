/** Recording the bot's messages and serialising them back the way Discord's API does. */

import { type APIPartialEmoji, type APIReaction, MessageFlags, MessageType } from 'discord-api-types/v10';
import type { FakeState, InteractionRecord, MessageRecord } from './state.js';
import type { FakeAttachment } from './types.js';

/** A file that arrived as `files[n]` of a multipart body. */
export interface UploadedFile {
  index: number;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** The JSON part of a message create/edit body (what discord.js sends as JSON or `payload_json`). */
export interface MessageBody {
  content?: string | null;
  embeds?: unknown[] | null;
  components?: unknown[] | null;
  flags?: number | null;
  attachments?: Array<{ id: string | number; filename?: string }> | null;
}

/** '👍', '%F0%9F%91%8D', 'name:123', '<:name:123>' or '<a:name:123>' → Discord's partial emoji. */
export function parseEmoji(raw: string): APIPartialEmoji {
  const text = raw.includes('%') ? safeDecode(raw) : raw;
  const custom = /^<?(a)?:?([\w~]+):(\d+)>?$/.exec(text);
  if (custom) return { id: custom[3] ?? null, name: custom[2] ?? null, animated: custom[1] === 'a' };
  return { id: null, name: text };
}

/** The canonical emoji string stored in `reactions`: the character itself, or 'name:id' for custom emoji. */
export function emojiKey(raw: string): string {
  const emoji = parseEmoji(raw);
  return emoji.id ? `${emoji.name}:${emoji.id}` : (emoji.name ?? raw);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function newAttachments(state: FakeState, body: MessageBody, files: UploadedFile[]): Array<{ id: string; file: FakeAttachment }> {
  return files.map((upload) => {
    const meta = body.attachments?.find((a) => String(a.id) === String(upload.index));
    return { id: state.nextId(), file: { filename: meta?.filename ?? upload.filename, bytes: upload.bytes } };
  });
}

export interface CreateOptions {
  interaction?: InteractionRecord;
  /** Extra flags, e.g. Loading for a deferred reply. */
  flags?: number;
}

export function createMessage(
  state: FakeState,
  channelId: string,
  body: MessageBody,
  files: UploadedFile[],
  options: CreateOptions = {},
): MessageRecord {
  const flags = (body.flags ?? 0) | (options.flags ?? 0);
  const added = newAttachments(state, body, files);
  const interaction = options.interaction;
  const record: MessageRecord = {
    message: {
      id: state.nextId(),
      channelId,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      attachments: added.map((a) => a.file),
      ...(interaction ? { interactionId: interaction.id } : {}),
      ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
      components: body.components ?? [],
    },
    flags,
    type: interaction?.name ? MessageType.ChatInputCommand : MessageType.Default,
    timestamp: new Date().toISOString(),
    editedTimestamp: null,
    attachmentIds: added.map((a) => a.id),
    ...(interaction
      ? {
          interaction: {
            id: interaction.id,
            type: interaction.type,
            user: interaction.user,
            ...(interaction.name ? { name: interaction.name } : {}),
          },
        }
      : {}),
  };
  state.records.set(record.message.id, record);
  state.messages.push(record.message);
  return record;
}

/** Applies a PATCH body in place: only the fields present change; `attachments` lists what is kept. */
export function editMessage(state: FakeState, record: MessageRecord, body: MessageBody, files: UploadedFile[]): void {
  const message = record.message;
  if (body.content !== undefined) message.content = body.content ?? '';
  if (body.embeds !== undefined) message.embeds = body.embeds ?? [];
  if (body.components !== undefined) message.components = body.components ?? [];
  if (body.attachments !== undefined && body.attachments !== null) {
    const keep = new Set(body.attachments.map((a) => String(a.id)));
    const kept = record.attachmentIds.map((id, i) => ({ id, file: message.attachments[i] })).filter((a) => keep.has(a.id));
    record.attachmentIds = kept.map((a) => a.id);
    message.attachments = kept.flatMap((a) => (a.file ? [a.file] : []));
  }
  for (const added of newAttachments(state, body, files)) {
    record.attachmentIds.push(added.id);
    message.attachments.push(added.file);
  }
  record.flags &= ~MessageFlags.Loading;
  if (body.flags !== undefined && body.flags !== null) record.flags |= body.flags & MessageFlags.SuppressEmbeds;
  record.editedTimestamp = new Date().toISOString();
}

function reactionSummary(state: FakeState, messageId: string): APIReaction[] {
  const byEmoji = new Map<string, APIReaction>();
  for (const reaction of [...state.reactions, ...state.userReactions]) {
    if (reaction.messageId !== messageId) continue;
    const entry = byEmoji.get(reaction.emoji) ?? {
      count: 0,
      count_details: { burst: 0, normal: 0 },
      me: false,
      me_burst: false,
      emoji: parseEmoji(reaction.emoji),
      burst_colors: [],
    };
    entry.count += 1;
    entry.count_details.normal += 1;
    if (reaction.userId === state.ids.botUserId) entry.me = true;
    byEmoji.set(reaction.emoji, entry);
  }
  return [...byEmoji.values()];
}

/** The API message object discord.js gets back from REST (ids as strings, author = the bot). */
export function messageJson(state: FakeState, record: MessageRecord): Record<string, unknown> {
  const { message } = record;
  const reactions = reactionSummary(state, message.id);
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(state.isGuildChannel(message.channelId) ? { guild_id: state.ids.guildId } : {}),
    author: state.botUser(),
    content: message.content,
    timestamp: record.timestamp,
    edited_timestamp: record.editedTimestamp,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map((file, i) => {
      const id = record.attachmentIds[i] ?? '0';
      const url = `${state.origin}/attachments/${message.channelId}/${id}/${encodeURIComponent(file.filename)}`;
      return { id, filename: file.filename, size: file.bytes.length, url, proxy_url: url };
    }),
    embeds: message.embeds,
    ...(reactions.length > 0 ? { reactions } : {}),
    pinned: false,
    type: record.type,
    flags: record.flags,
    components: message.components,
    ...(record.interaction
      ? {
          webhook_id: state.ids.applicationId,
          application_id: state.ids.applicationId,
          interaction_metadata: {
            id: record.interaction.id,
            type: record.interaction.type,
            user: record.interaction.user,
            authorizing_integration_owners: { '0': state.ids.guildId },
          },
          ...(record.interaction.name
            ? {
                interaction: {
                  id: record.interaction.id,
                  type: record.interaction.type,
                  name: record.interaction.name,
                  user: record.interaction.user,
                },
              }
            : {}),
        }
      : {}),
  };
}

/** A minimal bot-authored message for ids the fake never recorded (e.g. a button on a message made elsewhere). */
export function stubMessage(state: FakeState, messageId: string, channelId: string): Record<string, unknown> {
  const record: MessageRecord = {
    message: { id: messageId, channelId, content: '', embeds: [], attachments: [], ephemeral: false, components: [] },
    flags: 0,
    type: MessageType.Default,
    timestamp: new Date().toISOString(),
    editedTimestamp: null,
    attachmentIds: [],
  };
  return messageJson(state, record);
}
