import type { Store } from './connect.js';
import { applyLikeChanges, forgetUser, type LikeChange, type LikeValue, likesOf } from './likes.js';
import type { Source } from './schema.js';

export interface LikeBookOptions {
  source: Source;
  /** Longest a change waits before it is written (ms). */
  flushMs?: number;
  /** Pending changes that trigger a write at once. */
  maxPending?: number;
  /** Told when a background write fails (the changes stay queued and are retried). */
  onError?: (error: unknown) => void;
}

/**
 * The likes of one front's users, kept in memory and written behind in batches. Reactions arrive in
 * bursts; one LanceDB write per reaction would cost a table version each. Every decision (is this
 * a like? does removing 👍 undo it?) is made on the in-memory state in arrival order, then the
 * changes are coalesced per (user, movie) and written within `flushMs`; `flush()` and `close()` wait
 * for the write, so a clean shutdown loses nothing.
 */
export class LikeBook {
  private readonly users = new Map<string, Promise<Map<number, LikeValue>>>();
  private pending = new Map<string, LikeChange>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly store: Store,
    private readonly options: LikeBookOptions,
  ) {
    this.flushMs = options.flushMs ?? 50;
    this.maxPending = options.maxPending ?? 1000;
  }

  /** The user's likes (+1) and dislikes (−1) by movie id, as of every change applied so far. */
  async of(user: string): Promise<ReadonlyMap<number, LikeValue>> {
    return this.state(user);
  }

  async set(user: string, movie: number, value: LikeValue): Promise<void> {
    const state = await this.state(user);
    state.set(movie, value);
    this.queue({ user, movie, value, time: new Date() });
  }

  /** Removes the user's like of `movie` when it is `only` (any value when omitted); true when removed. */
  async clear(user: string, movie: number, only?: LikeValue): Promise<boolean> {
    const state = await this.state(user);
    const current = state.get(movie);
    if (current === undefined || (only !== undefined && current !== only)) return false;
    state.delete(movie);
    this.queue({ user, movie, value: null });
    return true;
  }

  /** Erases the user everywhere: pending changes are written first, then every row is deleted. */
  async forget(user: string): Promise<{ likes: number; user: boolean }> {
    await this.flush();
    this.users.set(user, Promise.resolve(new Map()));
    return forgetUser(this.store, user);
  }

  /** Writes everything queued so far and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    // A failed earlier write must not stop this one: its changes were queued again.
    this.writing = this.writing.catch(() => undefined).then(() => (batch.length > 0 ? this.write(batch) : undefined));
    await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  get queued(): number {
    return this.pending.size;
  }

  private state(user: string): Promise<Map<number, LikeValue>> {
    let loaded = this.users.get(user);
    if (!loaded) {
      // One load per user; later calls wait on the same promise, so their changes apply in order.
      loaded = likesOf(this.store, user).then(
        (rows) => new Map(rows.filter((r) => r.source === this.options.source).map((r) => [r.movie, r.value] as const)),
      );
      this.users.set(user, loaded);
      loaded.catch(() => this.users.delete(user));
    }
    return loaded;
  }

  private queue(change: LikeChange): void {
    this.pending.set(`${change.user}\u0000${change.movie}`, change);
    if (this.pending.size >= this.maxPending) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.flushMs);
  }

  private async write(batch: LikeChange[]): Promise<void> {
    try {
      await applyLikeChanges(this.store, batch, this.options.source);
    } catch (error) {
      // Put back what no newer change replaced, and try again on the next flush.
      for (const change of batch) {
        const key = `${change.user}\u0000${change.movie}`;
        if (!this.pending.has(key)) this.pending.set(key, change);
      }
      this.options.onError?.(error);
      this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.flushMs * 10);
      throw error;
    }
  }
}
