/**
 * A small fake Discord (REST + gateway on 127.0.0.1) that a real discord.js 14 Client runs against end to end:
 * `new Client({ rest: { api: fake.restUrl }, ... }).login(fake.token)`. It records what the bot did (messages,
 * reactions, commands, requests) and drives it through the gateway (slash commands, buttons, reactions).
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { FakeGateway, type GatewayClose } from './gateway.js';
import { emojiKey } from './messages.js';
import { buttonInteraction, type CommandOptions, commandInteraction, reactionPayload } from './payloads.js';
import { createRestHandler, type RestHooks } from './rest.js';
import { interactionRoutes } from './routes-interactions.js';
import { messageRoutes } from './routes-messages.js';
import { miscRoutes } from './routes-misc.js';
import { FakeState } from './state.js';
import type { FakeDiscordOptions, FakeMessage, FakeReaction, FakeRequest, FakeUser } from './types.js';

export { type GatewayClose, HEARTBEAT_INTERVAL_MS } from './gateway.js';
export type { FakeAttachment, FakeDiscordOptions, FakeMessage, FakeReaction, FakeRequest, FakeUser } from './types.js';

const DEFAULT_USER: FakeUser = { id: '300000000000000001', username: 'tester' };

export class FakeDiscord {
  readonly restUrl: string;
  readonly token: string;
  readonly botUserId: string;
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  private stopped = false;

  private constructor(
    private readonly server: Server,
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
  ) {
    this.restUrl = `${state.origin}/api`;
    this.token = state.token;
    ({ botUserId: this.botUserId, applicationId: this.applicationId, guildId: this.guildId, channelId: this.channelId } = state.ids);
  }

  /** Listens on 127.0.0.1 with an ephemeral port; REST and the gateway share it. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const ids = {
      botUserId: options.botUserId ?? '100000000000000001',
      applicationId: options.applicationId ?? options.botUserId ?? '100000000000000001',
      guildId: options.guildId ?? '100000000000000002',
      channelId: options.channelId ?? '100000000000000003',
    };
    const token = `${Buffer.from(ids.botUserId).toString('base64url')}.FAKE.${randomBytes(16).toString('hex')}`;
    const state = new FakeState(ids, token);
    const server = createServer();
    const gateway = new FakeGateway(server, state);
    const hooks: RestHooks = {
      gatewayUrl: () => gateway.url(),
      reactionChanged: (kind, reaction, channelId) => {
        const event = kind === 'add' ? GatewayDispatchEvents.MessageReactionAdd : GatewayDispatchEvents.MessageReactionRemove;
        gateway.dispatch(event, reactionPayload(state, kind, reaction, channelId), reactionIntent(state, channelId));
      },
    };
    const handler = createRestHandler(state, hooks, [...miscRoutes, ...messageRoutes, ...interactionRoutes]);
    server.on('request', (req, res) => void handler(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new FakeDiscord(server, state, gateway);
  }

  /** Every message the bot created, in order; edits update them in place, deletes set `deleted`. */
  get messages(): FakeMessage[] {
    return this.state.messages;
  }
  /** Reactions the bot currently holds. */
  get reactions(): FakeReaction[] {
    return this.state.reactions;
  }
  /** The last bulk-overwritten application commands (global or guild), as stored (with ids). */
  get commands(): unknown[] {
    return this.state.commands;
  }
  /** Every REST call (unknown routes included, with their 404). */
  get requests(): FakeRequest[] {
    return this.state.requests;
  }
  get identifies(): number {
    return this.gateway.identifies;
  }
  get resumes(): number {
    return this.gateway.resumes;
  }
  /** Every gateway socket that closed, with its close code (1000: the client closed it cleanly). */
  get closes(): readonly GatewayClose[] {
    return this.gateway.closes;
  }

  /** Resolves once a client has identified (READY sent) and is connected. */
  waitForIdentify(timeoutMs = 5000): Promise<void> {
    return this.withTimeout(this.gateway.nextReady(true), timeoutMs, 'a discord.js client to identify');
  }

  /** Dispatches a slash command (INTERACTION_CREATE type 2); `name` may be 'command subcommand'. */
  async sendCommand(name: string, options: CommandOptions = {}, user: FakeUser = DEFAULT_USER): Promise<string> {
    await this.withTimeout(this.gateway.nextReady(true), 5000, `a connected client to receive /${name}`);
    const { interaction, payload } = commandInteraction(this.state, name, options, user);
    this.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return interaction.id;
  }

  /** Dispatches a button click (INTERACTION_CREATE type 3) on a message. */
  async sendButton(customId: string, messageId: string, user: FakeUser = DEFAULT_USER): Promise<string> {
    await this.withTimeout(this.gateway.nextReady(true), 5000, `a connected client to receive button ${customId}`);
    const { interaction, payload } = buttonInteraction(this.state, customId, messageId, user);
    this.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return interaction.id;
  }

  /** A user adds a reaction (MESSAGE_REACTION_ADD); the message need not be cached by the client. */
  reactionAdd(userId: string, messageId: string, emoji: string, options: { bot?: boolean } = {}): void {
    this.state.user({ id: userId, ...(options.bot === undefined ? {} : { bot: options.bot }) });
    this.changeUserReaction('add', { messageId, emoji: emojiKey(emoji), userId });
  }

  /** A user removes a reaction (MESSAGE_REACTION_REMOVE). */
  reactionRemove(userId: string, messageId: string, emoji: string): void {
    this.changeUserReaction('remove', { messageId, emoji: emojiKey(emoji), userId });
  }

  /** Polls `predicate` every 10 ms; rejects after `timeoutMs` naming the condition and the last REST calls. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() >= deadline) {
        throw new Error(`fake-discord: waitFor timed out after ${timeoutMs} ms waiting for ${String(predicate)}${this.recentRequests()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The @original answer of an interaction, once it has content, embeds, files or components. */
  async waitForInteractionResponse(interactionId: string, timeoutMs = 5000): Promise<FakeMessage> {
    const answer = (): FakeMessage | undefined => {
      const interaction = [...this.state.interactions.values()].find((i) => i.id === interactionId);
      if (!interaction?.settled || interaction.originalMessageId === undefined) return undefined;
      const message = this.state.records.get(interaction.originalMessageId)?.message;
      const filled =
        message && (message.content !== '' || message.embeds.length + message.attachments.length + message.components.length > 0);
      return filled ? message : undefined;
    };
    try {
      await this.waitFor(() => answer() !== undefined, timeoutMs);
    } catch {
      throw new Error(`fake-discord: interaction ${interactionId} got no reply within ${timeoutMs} ms${this.recentRequests()}`);
    }
    return answer() as FakeMessage;
  }

  /** Closes the client's socket (4000: resumable); discord.js then RESUMEs (or re-IDENTIFYs). */
  closeGateway(code = 4000): void {
    this.gateway.closeAll(code);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.gateway.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private changeUserReaction(kind: 'add' | 'remove', reaction: FakeReaction): void {
    const list = reaction.userId === this.botUserId ? this.state.reactions : this.state.userReactions;
    const index = list.findIndex((r) => r.messageId === reaction.messageId && r.emoji === reaction.emoji && r.userId === reaction.userId);
    if (kind === 'add' && index < 0) list.push(reaction);
    if (kind === 'remove' && index >= 0) list.splice(index, 1);
    const channelId = this.state.records.get(reaction.messageId)?.message.channelId ?? this.channelId;
    const event = kind === 'add' ? GatewayDispatchEvents.MessageReactionAdd : GatewayDispatchEvents.MessageReactionRemove;
    this.gateway.dispatch(event, reactionPayload(this.state, kind, reaction, channelId), reactionIntent(this.state, channelId));
  }

  private recentRequests(): string {
    const last = this.state.requests.slice(-5).map((r) => `${r.method} ${r.path} → ${r.status}`);
    return last.length > 0 ? `; last REST calls: ${last.join(', ')}` : '; no REST calls yet';
  }

  private async withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fake-discord: timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function reactionIntent(state: FakeState, channelId: string): number {
  return state.isGuildChannel(channelId) ? GatewayIntentBits.GuildMessageReactions : GatewayIntentBits.DirectMessageReactions;
}
