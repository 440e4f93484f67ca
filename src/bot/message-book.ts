import { movieOfMessage, rememberMessages, type Store } from '../store/index.js';

/**
 * Which movie each poster message shows. Written to the store when posted, so a reaction on a
 * message from before a restart still finds its movie; a small cache spares a query per reaction.
 */
export class MessageBook {
  private readonly cache = new Map<string, number | null>();

  constructor(private readonly store: Store) {}

  async remember(messageId: string, channelId: string, movie: number): Promise<void> {
    await rememberMessages(this.store, [{ messageId, channelId, movie, source: 'discord' }]);
    this.cache.set(messageId, movie);
  }

  /** The movie of a message, or null when it is not one of the bot's poster messages. */
  async movieOf(messageId: string): Promise<number | null> {
    const cached = this.cache.get(messageId);
    if (cached !== undefined) return cached;
    const movie = await movieOfMessage(this.store, messageId);
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(messageId, movie);
    return movie;
  }
}
