import type { open } from 'node:fs/promises';
import { ReelrecError } from '../errors.js';
import { KeyedQueue } from '../util/keyed-queue.js';
import { LruCache } from '../util/lru.js';
import type { Store } from './connect.js';
import { LikeLimitError, LikeNotSavedError, StoreInputError } from './errors.js';
import { type JournalRecord, LikeJournal } from './like-journal.js';
import { applyLikeChanges, forgetUser, type LikeChange, type LikeValue, likesOf, MAX_LIKES_PER_PERSON } from './likes.js';
import type { Source } from './schema.js';
import { checkMovieId, checkText } from './sql.js';

export interface LikeBookOptions {
  source: Source;
  /** The journal's folder (one per front, e.g. `<dataDir>/journal/discord-likes`); changes are fsynced here first. */
  journalDir: string;
  /** Longest a change waits before it is written to the store (ms). */
  flushMs?: number;
  /** Pending changes that trigger a write at once. */
  maxPending?: number;
  /** Users whose likes stay in memory (least recently used beyond are dropped, never one with unwritten changes). */
  maxUsers?: number;
  /** Likes and dislikes one person may keep (default MAX_LIKES_PER_PERSON). */
  maxLikesPerPerson?: number;
  /** Told when a background write fails (the changes stay in the journal and are retried). */
  onError?: (error: unknown) => void;
  /** How journal segments are opened; tests inject a failing one. */
  openFile?: typeof open;
}

/** What close() managed: everything written, or how much stays in the journal for the next start. */
export interface LikeBookCloseReport {
  written: boolean;
  /** Changes (and erasures) not in the store; they are in the journal and replayed at the next start. */
  unwritten: number;
  journalDir: string;
  timedOut: boolean;
  error: unknown;
}

type UserState = Map<number, LikeValue>;

const keyOf = (user: string, movie: number) => `${user}\u0000${movie}`;
const noop = () => undefined;

/** A record is checked before it is journaled: one the store would refuse would block every later write. */
function checkRecord(record: JournalRecord): JournalRecord {
  checkText(record.user, 'user id');
  if (Number.isNaN(Date.parse(record.time))) throw new StoreInputError(`journal time ${record.time} is not a date`);
  if ('movie' in record) checkMovieId(record.movie);
  return record;
}

/**
 * The likes of one front's users. Every change is appended to an fsynced journal before it is applied
 * and shown, so an acknowledged like survives a crash or a full disk; the store is then written behind
 * in batches (reactions arrive in bursts, and each LanceDB write costs a table version). Decisions (is
 * this a like? does removing 👍 undo it?) are made per user in arrival order on the in-memory state.
 * At start the journal left by an earlier run is replayed into the store; a journal segment is deleted
 * once every change in it is in the store.
 */
export class LikeBook {
  private readonly users: LruCache<string, Promise<UserState>>;
  private readonly perUser = new KeyedQueue();
  private readonly journal: LikeJournal;
  private pending = new Map<string, LikeChange>();
  /** Users erased since the last write: erased in the store before the changes that follow. */
  private forgets = new Set<string>();
  /** Users with changes not yet in the store: never evicted from `users`. */
  private dirty = new Set<string>();
  private inFlight = 0;
  private readonly erased = new Map<string, { likes: number; user: boolean }>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly ready: Promise<void>;
  private closing: Promise<LikeBookCloseReport> | null = null;
  private closed = false;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxLikes: number;
  /** What the start found in the journal. */
  replayed = { records: 0, tornLines: 0, segments: 0 };

  constructor(
    private readonly store: Store,
    private readonly options: LikeBookOptions,
  ) {
    this.flushMs = options.flushMs ?? 50;
    this.maxPending = options.maxPending ?? 1000;
    this.maxLikes = options.maxLikesPerPerson ?? MAX_LIKES_PER_PERSON;
    this.users = new LruCache(Math.max(1, options.maxUsers ?? 10_000), (user) => this.dirty.has(user) || this.perUser.busy(user));
    this.journal = new LikeJournal(options.journalDir, options.openFile ? { openFile: options.openFile } : {});
    this.ready = this.replay();
    // Reported by open() and by every call that waits on it.
    this.ready.catch(noop);
  }

  /** Resolves once the journal an earlier run left is read and applied (and a store write was tried). */
  open(): Promise<void> {
    return this.ready;
  }

  get journalDir(): string {
    return this.options.journalDir;
  }

  /** The user's likes (+1) and dislikes (−1) by movie id, as of every change acknowledged so far. */
  of(user: string): Promise<ReadonlyMap<number, LikeValue>> {
    return this.run(user, false, (state) => new Map(state));
  }

  /** Resolves once the change is in the journal (durable) and applied; rejects with LikeNotSavedError or LikeLimitError. */
  set(user: string, movie: number, value: LikeValue): Promise<void> {
    return this.run(user, true, async (state) => {
      if (value !== 1 && value !== -1) throw new StoreInputError(`like value must be 1 or -1, got ${String(value)}`);
      if (state.get(movie) === value) return;
      if (!state.has(movie) && state.size >= this.maxLikes) throw new LikeLimitError(user, this.maxLikes);
      await this.append(checkRecord({ user, movie, value, time: new Date().toISOString() }), state);
    });
  }

  /** Removes the user's like of `movie` when it is `only` (any value when omitted); true when removed. */
  clear(user: string, movie: number, only?: LikeValue): Promise<boolean> {
    return this.run(user, true, async (state) => {
      const current = state.get(movie);
      if (current === undefined || (only !== undefined && current !== only)) return false;
      await this.append(checkRecord({ user, movie, value: null, time: new Date().toISOString() }), state);
      return true;
    });
  }

  /** Erases the user everywhere: journaled like any change, then written (with what is queued) at once. */
  async forget(user: string): Promise<{ likes: number; user: boolean }> {
    const likes = await this.run(user, true, async (state) => {
      const count = state.size;
      await this.append(checkRecord({ user, forget: true, time: new Date().toISOString() }), state);
      return count;
    });
    await this.flush();
    const done = this.erased.get(user);
    this.erased.delete(user);
    return { likes, user: done?.user ?? false };
  }

  /** Writes everything journaled so far to the store and waits for it. */
  async flush(): Promise<void> {
    this.writing = this.writing.catch(noop).then(() => this.writeOnce());
    await this.writing;
  }

  /**
   * Stops every timer, refuses new changes, and tries one last write within `timeoutMs`. Never throws
   * and never waits longer: what could not be written stays in the journal for the next start.
   */
  close(timeoutMs = 5000): Promise<LikeBookCloseReport> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  /** Changes (and erasures) journaled but not yet written to the store. */
  get queued(): number {
    return this.pending.size + this.forgets.size;
  }

  /** Users whose likes are held in memory. */
  get cachedUsers(): number {
    return this.users.size;
  }

  private run<T>(user: string, change: boolean, op: (state: UserState) => T | Promise<T>): Promise<T> {
    const refuse = () => (change && this.closed ? new LikeNotSavedError('the like book is closed', { closing: true }) : null);
    const early = refuse();
    if (early) return Promise.reject(early);
    let result: T;
    return this.perUser
      .run(user, async () => {
        await this.ready;
        const late = refuse();
        if (late) throw late;
        result = await op(await this.state(user));
      })
      .then(() => result);
  }

  private append(record: JournalRecord, state: UserState): Promise<void> {
    // Applied only once the journal has it on disk, and in journal order.
    return this.journal.append(record, () => this.apply(record, state));
  }

  private apply(record: JournalRecord, state: UserState): void {
    if ('forget' in record) {
      state.clear();
      for (const [key, change] of this.pending) if (change.user === record.user) this.pending.delete(key);
      this.forgets.add(record.user);
    } else {
      if (record.value === null) state.delete(record.movie);
      else state.set(record.movie, record.value);
      this.pending.set(keyOf(record.user, record.movie), {
        user: record.user,
        movie: record.movie,
        value: record.value,
        time: new Date(record.time),
      });
    }
    this.dirty.add(record.user);
    this.schedule();
  }

  private async replay(): Promise<void> {
    const found = await this.journal.recover();
    this.replayed = { records: found.records.length, tornLines: found.tornLines, segments: found.segments.length };
    const bad = [...found.badLines];
    for (const record of found.records) {
      try {
        checkRecord(record);
      } catch {
        bad.push(JSON.stringify(record).slice(0, 200));
        continue;
      }
      // Through the per-user queue, so the user counts as busy (never evicted) until the change is applied.
      await this.perUser.run(record.user, async () => this.apply(record, await this.state(record.user)));
    }
    if (bad.length > 0) {
      this.options.onError?.(
        new ReelrecError('like_journal_unreadable', `${bad.length} unreadable line(s) in ${this.journalDir} skipped, e.g. ${bad[0]}`),
      );
    }
    if (found.segments.length > 0) await this.flush().catch(noop);
  }

  private async writeOnce(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const upTo = await this.journal.seal();
    const batch = [...this.pending.values()];
    const forgets = [...this.forgets];
    this.pending = new Map();
    this.forgets = new Set();
    this.inFlight = batch.length + forgets.length;
    try {
      for (const user of forgets) this.erased.set(user, await forgetUser(this.store, user));
      if (batch.length > 0) await applyLikeChanges(this.store, batch, this.options.source);
    } catch (error) {
      // Put back what no newer change or erasure replaced, and try again later; the journal still has it all.
      for (const change of batch) {
        const key = keyOf(change.user, change.movie);
        if (!this.pending.has(key) && !this.forgets.has(change.user)) this.pending.set(key, change);
      }
      this.forgets = new Set([...forgets, ...this.forgets]);
      this.options.onError?.(error);
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush().catch(noop), this.flushMs * 10);
      throw error;
    } finally {
      this.inFlight = 0;
      this.dirty = new Set([...[...this.pending.values()].map((c) => c.user), ...this.forgets]);
      this.users.trim();
    }
    // Every change in the sealed segments is in the store now (or replaced by a newer one that is).
    if (upTo !== null) await this.journal.release(upTo).catch((error: unknown) => this.options.onError?.(error));
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.pending.size >= this.maxPending) void this.flush().catch(noop);
    else this.timer ??= setTimeout(() => void this.flush().catch(noop), this.flushMs);
  }

  private state(user: string): Promise<UserState> {
    let loaded = this.users.get(user);
    if (!loaded) {
      // One load per user; changes wait on the same promise (and the per-user queue), so they apply in order.
      const loading = likesOf(this.store, user).then(
        (rows) => new Map(rows.filter((r) => r.source === this.options.source).map((r) => [r.movie, r.value] as const)),
      );
      loaded = loading;
      this.users.set(user, loading);
      loading.catch(() => this.users.delete(user));
    }
    return loaded;
  }

  private async shutdown(timeoutMs: number): Promise<LikeBookCloseReport> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let bound: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      bound = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let error: unknown = null;
    let timedOut = false;
    try {
      const last = (async () => {
        await this.ready.catch(noop);
        await this.perUser.idle();
        await this.flush();
      })();
      timedOut = (await Promise.race([last, expired])) === 'timeout';
      if (timedOut) last.catch(noop);
    } catch (caught) {
      error = caught;
    } finally {
      clearTimeout(bound);
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
    // Not awaited past the bound: a hung disk must not hang the shutdown.
    const closing = this.journal.close().catch(noop);
    if (!timedOut) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise((resolve) => (grace = setTimeout(resolve, 100)))]);
      clearTimeout(grace);
    }
    const unwritten = this.queued + (timedOut ? this.inFlight : 0);
    return {
      written: !timedOut && error === null && unwritten === 0,
      unwritten,
      journalDir: this.journalDir,
      timedOut,
      error: timedOut ? new Error(`the last write did not finish within ${timeoutMs} ms`) : error,
    };
  }
}
