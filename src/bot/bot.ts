import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { type Logger, pino } from 'pino';
import { ReelrecError } from '../errors.js';
import type { RecommendationService } from '../service/index.js';
import { LikeBook, type Store } from '../store/index.js';
import { KeyedQueue } from '../util/keyed-queue.js';
import { FixedWindowLimiter } from '../util/rate-limiter.js';
import type { BotContext } from './context.js';
import { events } from './events/index.js';
import { MessageBook } from './message-book.js';
import { PosterImages } from './posters.js';

export interface BotOptions {
  service: RecommendationService;
  store: Store;
  /** From DISCORD_TOKEN only; never logged. */
  token: string;
  /** Discord's REST base (`…/api`); set only to talk to a local fake Discord. */
  restApi?: string;
  logger?: Logger;
  remotePosters?: boolean;
  /** Commands per user per window (default 10 a minute). */
  commandLimit?: { windowMs: number; max: number };
  /** How long a like may wait before it is written (default 50 ms). */
  likeFlushMs?: number;
  readyTimeoutMs?: number;
}

export interface Bot {
  client: Client;
  context: BotContext;
  /** Disconnects, then writes every like still queued. */
  stop(): Promise<void>;
}

/**
 * Only what the bot needs: guilds for slash commands, and reactions in guilds and DMs. Partials let
 * a reaction on a message posted before a restart (so not in the cache) still arrive.
 */
export function createClient(restApi?: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
    ...(restApi ? { rest: { api: restApi } } : {}),
  });
}

/** Logs in and resolves once the gateway says ready; the same service the web front uses answers. */
export async function startBot(options: BotOptions): Promise<Bot> {
  const log = options.logger ?? pino({ level: 'silent' });
  const likes = new LikeBook(options.store, {
    source: 'discord',
    ...(options.likeFlushMs !== undefined ? { flushMs: options.likeFlushMs } : {}),
    onError: (error) => log.error({ err: error }, 'writing likes failed; will retry'),
  });
  const context: BotContext = {
    service: options.service,
    likes,
    messages: new MessageBook(options.store),
    posters: new PosterImages(options.remotePosters ?? true),
    limiter: new FixedWindowLimiter(options.commandLimit ?? { windowMs: 60_000, max: 10 }),
    log,
    reactionQueue: new KeyedQueue(),
    stats: { reactionsHandled: 0, reactionsIgnored: 0, reactionsFailed: 0 },
  };
  const client = createClient(options.restApi);
  for (const event of events) {
    const run = (...args: unknown[]) =>
      (event.execute as (c: BotContext, ...a: unknown[]) => Promise<void>)(context, ...args).catch((error: unknown) =>
        log.error({ err: error, event: event.name }, 'event handler failed'),
      );
    if (event.once) client.once(event.name, run);
    else client.on(event.name, run);
  }
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event) => log.warn({ code: event.code }, 'discord gateway disconnected'));
  client.on(Events.ShardResume, () => log.info('discord gateway resumed'));

  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new ReelrecError('discord_timeout', 'Discord did not report ready in time')),
      options.readyTimeoutMs ?? 30_000,
    );
    client.once(Events.ClientReady, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // Awaited below; this only keeps a failed login from also leaving an unhandled timeout rejection.
  ready.catch(() => undefined);
  try {
    await client.login(options.token);
    await ready;
  } catch (error) {
    clearTimeout(timer);
    await client.destroy();
    // discord.js errors can quote the request; ours never carries the token.
    throw new ReelrecError(
      'discord_login',
      `Discord login failed: ${error instanceof Error ? error.message.replaceAll(options.token, '[token]') : 'unknown error'}`,
    );
  }
  return {
    client,
    context,
    stop: async () => {
      // No new events after destroy; then let reactions already in hand finish, then write them.
      await client.destroy();
      await context.reactionQueue.idle();
      await likes.close();
    },
  };
}
