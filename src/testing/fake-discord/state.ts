/** Everything the fake Discord knows: ids, users, the guild and its channel, recorded requests and reactions. */

import {
  type APIChannel,
  type APIGuildMember,
  type APIRole,
  type APITextChannel,
  type APIUser,
  type ChannelFlags,
  ChannelType,
  type GuildMemberFlags,
  type InteractionType,
  PermissionFlagsBits,
  type RoleFlags,
} from 'discord-api-types/v10';
import type { FakeMessage, FakeReaction, FakeRequest, FakeUser } from './types.js';

const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** Every permission bit set: the bot and the simulated members may do anything. */
export const ALL_PERMISSIONS = String(Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n));

export interface FakeIds {
  botUserId: string;
  applicationId: string;
  guildId: string;
  channelId: string;
}

/** Stored alongside a recorded message: the wire-only fields discord.js needs back. */
export interface MessageRecord {
  message: FakeMessage;
  flags: number;
  type: number;
  timestamp: string;
  editedTimestamp: string | null;
  /** Aligned with `message.attachments`. */
  attachmentIds: string[];
  interaction?: { id: string; type: InteractionType; user: APIUser; name?: string };
}

/** One interaction the fake dispatched, and how far the bot got answering it. */
export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  name?: string;
  user: APIUser;
  channelId: string;
  acknowledged: boolean;
  deferred: boolean;
  /** The @original message: the reply, the deferred placeholder or, for components, the clicked message. */
  originalMessageId?: string;
  /** True once @original carries the answer (reply sent, deferred reply edited, component message updated). */
  settled: boolean;
}

export class FakeState {
  readonly messages: FakeMessage[] = [];
  readonly records = new Map<string, MessageRecord>();
  /** Reactions the bot holds (PUT/DELETE .../@me). */
  readonly reactions: FakeReaction[] = [];
  /** Reactions of simulated users: not in `reactions`, but counted in message payloads. */
  readonly userReactions: FakeReaction[] = [];
  readonly requests: FakeRequest[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly users = new Map<string, APIUser>();
  /** DM channel id → recipient user id. */
  readonly dmChannels = new Map<string, string>();
  readonly commandsByScope = new Map<string, unknown[]>();
  commands: unknown[] = [];
  /** 'http://127.0.0.1:PORT', known once the server listens. */
  origin = '';
  private counter = 0n;
  private readonly idBase = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n;
  private readonly joinedAt = new Date().toISOString();

  constructor(
    readonly ids: FakeIds,
    readonly token: string,
  ) {
    this.users.set(ids.botUserId, this.botUser());
  }

  /** A snowflake-shaped id from a counter: unique, increasing, with a plausible creation time. */
  nextId(): string {
    this.counter += 1n;
    return String(this.idBase + this.counter);
  }

  botUser(): APIUser {
    return { id: this.ids.botUserId, username: 'reelrec-fake-bot', discriminator: '0000', global_name: null, avatar: null, bot: true };
  }

  /** Registers a simulated user (so GET /users/{id} knows it) and returns its API shape. */
  user(input: FakeUser): APIUser {
    const known = this.users.get(input.id);
    const user: APIUser = {
      id: input.id,
      username: input.username ?? known?.username ?? `user${input.id.slice(-4)}`,
      discriminator: '0',
      global_name: null,
      avatar: null,
      bot: input.bot ?? known?.bot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  member(user: APIUser): APIGuildMember & { permissions: string } {
    return {
      user,
      nick: null,
      avatar: null,
      roles: [],
      joined_at: this.joinedAt,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      permissions: ALL_PERMISSIONS,
    };
  }

  textChannel(): APITextChannel {
    return {
      id: this.ids.channelId,
      type: ChannelType.GuildText,
      guild_id: this.ids.guildId,
      name: 'general',
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
    };
  }

  /** The guild channel, a DM channel opened by the bot, or undefined. */
  channel(id: string): APIChannel | undefined {
    if (id === this.ids.channelId) return this.textChannel();
    const recipient = this.dmChannels.get(id);
    if (recipient === undefined) return undefined;
    const user = this.users.get(recipient) ?? this.user({ id: recipient });
    return { id, type: ChannelType.DM, name: null, recipients: [user], last_message_id: null, flags: 0 as ChannelFlags };
  }

  isGuildChannel(channelId: string): boolean {
    return channelId === this.ids.channelId;
  }

  everyoneRole(): APIRole {
    return {
      id: this.ids.guildId,
      name: '@everyone',
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: 0,
      permissions: ALL_PERMISSIONS,
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
    };
  }

  /** The guild as GET /guilds/{id} returns it; `full` adds the GUILD_CREATE-only fields (channels, members...). */
  guild(full: boolean): Record<string, unknown> {
    const base = {
      id: this.ids.guildId,
      name: 'reelrec test guild',
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.ids.botUserId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [this.everyoneRole()],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
    };
    if (!full) return base;
    return {
      ...base,
      joined_at: this.joinedAt,
      large: false,
      unavailable: false,
      member_count: 1,
      voice_states: [],
      members: [this.member(this.botUser())],
      channels: [this.textChannel()],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** The interaction an interaction token belongs to (webhook routes are keyed by it). */
  interactionByToken(token: string): InteractionRecord | undefined {
    return this.interactions.get(token);
  }
}
