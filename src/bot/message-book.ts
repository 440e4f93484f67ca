import { movieOfMessage, rememberMessages, type Store } from '../store/index.js';

/**
 * Which movie each poster message shows. Written to the store when posted, so a reaction on a
 * message from before a restart still finds its movie; a small cache spares a query per reaction.
 */
export class MessageBook {
  private readonly cache = new Map<string, number>();
  /** Posts whose message exists on Discord but whose movie is not recorded yet. */
  private readonly posting = new Set<Promise<unknown>>();

  constructor(private readonly store: Store) {}

  /**
   * Records a posted message. The cache learns it at once, before the store write, so a reaction
   * that races the write still finds its movie.
   */
  async remember(messageId: string, channelId: string, movie: number): Promise<void> {
    this.cache.set(messageId, movie);
    await rememberMessages(this.store, [{ messageId, channelId, movie, source: 'discord' }]);
  }

  /**
   * Runs `post` (which sends a message and then calls remember) while letting lookups know a
   * poster may be about to appear: a reaction can reach us before `post` has the message id.
   */
  async whilePosting<T>(post: () => Promise<T>): Promise<T> {
    const running = post();
    this.posting.add(running);
    try {
      return await running;
    } finally {
      this.posting.delete(running);
    }
  }

  /** The movie of a message, or null when it is not one of the bot's poster messages. */
  async movieOf(messageId: string): Promise<number | null> {
    const cached = this.cache.get(messageId);
    if (cached !== undefined) return cached;
    if (this.posting.size > 0) {
      // The message may be one being posted right now: wait for those posts, then look again.
      await Promise.allSettled([...this.posting]);
      const now = this.cache.get(messageId);
      if (now !== undefined) return now;
    }
    const movie = await movieOfMessage(this.store, messageId);
    // Only a found movie is cached, and never over one remember() set meanwhile.
    if (movie !== null && !this.cache.has(messageId)) {
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(messageId, movie);
    }
    return this.cache.get(messageId) ?? movie;
  }
}
