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
  /** The like journal's folder (discordLikesJournalDir): each like is fsynced here before it is shown. */
  likeJournalDir: string;
  /** Longest stop() spends on the last like write before leaving the rest in the journal (default 5 s). */
  stopTimeoutMs?: number;
  /** People whose likes stay in memory (default 10 000). */
  maxCachedUsers?: number;
  readyTimeoutMs?: number;
}

export interface Bot {
  client: Client;
  context: BotContext;
  /** Disconnects, then writes every like still queued, or leaves it in the journal: within stopTimeoutMs, never throws. */
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
    journalDir: options.likeJournalDir,
    ...(options.likeFlushMs !== undefined ? { flushMs: options.likeFlushMs } : {}),
    ...(options.maxCachedUsers !== undefined ? { maxUsers: options.maxCachedUsers } : {}),
    onError: (error) =>
      log.error(
        { err: error, journal: options.likeJournalDir },
        'writing likes to the store failed; they stay in the journal and are retried',
      ),
  });
  // Likes an earlier run acknowledged but did not write are replayed before any new one.
  try {
    await likes.open();
  } catch (error) {
    await likes.close();
    throw error;
  }
  if (likes.replayed.records > 0) {
    log.info({ ...likes.replayed, journal: options.likeJournalDir, unwritten: likes.queued }, 'replayed the like journal');
  }
  const context: BotContext = {
    service: options.service,
    likes,
    messages: new MessageBook(options.store),
    posters: new PosterImages(options.remotePosters ?? true),
    limiter: new FixedWindowLimiter(options.commandLimit ?? { windowMs: 60_000, max: 10 }),
    log,
    reactionQueue: new KeyedQueue(),
    stats: { reactionsHandled: 0, reactionsIgnored: 0, reactionsFailed: 0, reactionsRefused: 0 },
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
    await likes.close();
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
      const bound = options.stopTimeoutMs ?? 5000;
      const deadline = performance.now() + bound;
      // No new events after destroy; then let reactions already in hand finish, then write them.
      await client.destroy();
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([
        context.reactionQueue.idle(),
        new Promise((resolve) => {
          waited = setTimeout(resolve, Math.max(0, deadline - performance.now()));
        }),
      ]);
      clearTimeout(waited);
      const report = await likes.close(Math.max(100, deadline - performance.now()));
      if (!report.written) {
        log.error(
          { unwritten: report.unwritten, journal: report.journalDir, timedOut: report.timedOut, err: report.error },
          `${report.unwritten} like change(s) could not be written to the store before stopping; they stay in the journal at ${report.journalDir} and are written at the next start`,
        );
      }
    },
  };
}
