import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  allMessages,
  applyLikeChanges,
  LikeBook,
  LikeLimitError,
  LikeNotSavedError,
  like,
  likesOf,
  movieOfMessage,
  rememberMessages,
  type Store,
} from '../src/store/index.js';
import { createTempStore, openTestStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-like-book-'));
});

afterEach(() => removeTempStore(dir, store));

const values = async (user: string) => new Map((await likesOf(store, user)).map((r) => [r.movie, r.value]));

describe('applyLikeChanges', () => {
  it('sets and removes in one call, last change per key winning', async () => {
    await like(store, 'discord:1', 9, 1, 'discord');
    await applyLikeChanges(
      store,
      [
        { user: 'discord:1', movie: 1, value: 1 },
        { user: 'discord:1', movie: 2, value: -1 },
        { user: 'discord:1', movie: 1, value: null },
        { user: 'discord:1', movie: 9, value: null },
        { user: "discord:o'2", movie: 3, value: 1 },
      ],
      'discord',
    );
    expect(await values('discord:1')).toEqual(new Map([[2, -1]]));
    expect(await values("discord:o'2")).toEqual(new Map([[3, 1]]));
  });
});

describe('LikeBook', () => {
  it('applies reactions in order: a later dislike replaces a like, removing the old 👍 keeps the 👎', async () => {
    const book = new LikeBook(store, { source: 'discord', journalDir: join(dir, 'journal'), flushMs: 5 });
    await book.set('discord:1', 10, 1);
    await book.set('discord:1', 10, -1);
    expect(await book.clear('discord:1', 10, 1)).toBe(false);
    await book.set('discord:1', 11, 1);
    expect(await book.clear('discord:1', 11, 1)).toBe(true);
    await book.set('discord:1', 12, 1);
    await book.set('discord:1', 12, 1);
    await book.close();
    expect(await values('discord:1')).toEqual(
      new Map([
        [10, -1],
        [12, 1],
      ]),
    );
  });

  it('coalesces a burst into few writes and loses nothing when closed', async () => {
    const book = new LikeBook(store, { source: 'discord', journalDir: join(dir, 'journal'), flushMs: 1000, maxPending: 10_000 });
    const expected = new Map<string, Map<number, 1 | -1>>();
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const user = `discord:${i % 20}`;
        const movie = i % 7;
        const value = i % 3 === 0 ? -1 : 1;
        await book.set(user, movie, value);
      }),
    );
    for (let i = 0; i < 400; i++) {
      const user = `discord:${i % 20}`;
      const byUser = expected.get(user) ?? new Map();
      byUser.set(i % 7, i % 3 === 0 ? -1 : 1);
      expected.set(user, byUser);
    }
    expect(book.queued).toBeGreaterThan(0);
    const versionsBefore = await store.tables.likes.version();
    await book.close();
    // One append for the whole burst, not 400.
    expect((await store.tables.likes.version()) - versionsBefore).toBeLessThanOrEqual(2);
    for (const [user, want] of expected) expect(await values(user)).toEqual(want);
  });

  it('reads existing likes before deciding, so a removal after a restart still undoes the like', async () => {
    await like(store, 'discord:7', 5, 1, 'discord');
    await like(store, 'discord:7', 6, 1, 'web');
    const book = new LikeBook(store, { source: 'discord', journalDir: join(dir, 'journal') });
    expect([...(await book.of('discord:7'))]).toEqual([[5, 1]]);
    expect(await book.clear('discord:7', 5, 1)).toBe(true);
    await book.flush();
    expect(await values('discord:7')).toEqual(new Map([[6, 1]]));
  });

  it('forget writes what is queued, then erases the user', async () => {
    const book = new LikeBook(store, { source: 'discord', journalDir: join(dir, 'journal'), flushMs: 10_000 });
    await book.set('discord:8', 1, 1);
    await book.set('discord:9', 1, 1);
    const erased = await book.forget('discord:8');
    expect(erased.likes).toBe(1);
    expect(await values('discord:8')).toEqual(new Map());
    expect(await values('discord:9')).toEqual(new Map([[1, 1]]));
    expect((await book.of('discord:8')).size).toBe(0);
  });

  it('keeps changes queued when a write fails and writes them on the next flush', async () => {
    const errors: unknown[] = [];
    const book = new LikeBook(store, {
      source: 'discord',
      journalDir: join(dir, 'journal'),
      flushMs: 10_000,
      onError: (e) => errors.push(e),
    });
    await book.set('discord:3', 4, 1);
    const original = store.tables.likes.add.bind(store.tables.likes);
    let fail = true;
    // One failing write, as a full disk or a dropped connection would cause.
    (store.tables.likes as { add: typeof original }).add = (rows, options) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return original(rows, options);
    };
    await expect(book.flush()).rejects.toThrow(/disk full/);
    expect(errors).toHaveLength(1);
    expect(book.queued).toBe(1);
    await book.flush();
    expect(await values('discord:3')).toEqual(new Map([[4, 1]]));
  });
});

/** Makes the store's like writes fail (or hang) until the returned function is called. */
function breakWrites(mode: 'fail' | 'hang'): () => void {
  const table = store.tables.likes as { add: typeof store.tables.likes.add; delete: typeof store.tables.likes.delete };
  const original = { add: table.add, delete: table.delete };
  const broken = () => {
    if (mode === 'hang') return new Promise<never>(() => undefined);
    throw new Error('ENOSPC: no space left on device');
  };
  table.add = broken as unknown as typeof table.add;
  table.delete = broken as unknown as typeof table.delete;
  return () => Object.assign(table, original);
}

const journalOf = () => join(dir, 'journal');
const segmentsLeft = async () => (await readdir(journalOf())).filter((n) => n.startsWith('segment-'));

/** An `open` whose files refuse every write, as on a full disk. */
const fullDisk = (async (...args: Parameters<typeof open>) => {
  const handle = await open(...args);
  return Object.assign(handle, {
    write: async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  });
}) as typeof open;

describe('LikeBook journal', () => {
  it('an acknowledged change survives a crash: a new book on the same journal replays it into the store', async () => {
    const restore = breakWrites('fail');
    const crashed = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 60_000 });
    await crashed.set('discord:1', 10, 1);
    await crashed.set('discord:1', 11, -1);
    await crashed.set('discord:2', 12, 1);
    await crashed.clear('discord:1', 11);
    await crashed.forget('discord:2').catch(() => undefined); // the store write fails: the erasure stays journaled
    // The process dies here: nothing was written to the store.
    expect(await values('discord:1')).toEqual(new Map());
    restore();
    await like(store, 'discord:2', 99, 1, 'discord'); // stored before, must be erased by the replayed /forget
    const restarted = new LikeBook(store, { source: 'discord', journalDir: journalOf() });
    await restarted.open();
    expect(restarted.replayed).toMatchObject({ records: 5, tornLines: 0 });
    expect(await values('discord:1')).toEqual(new Map([[10, 1]]));
    expect(await values('discord:2')).toEqual(new Map());
    expect([...(await restarted.of('discord:1'))]).toEqual([[10, 1]]);
    expect(await segmentsLeft()).toEqual([]);
    expect(await restarted.close()).toMatchObject({ written: true, unwritten: 0 });
    await crashed.close(100);
  });

  it('ignores a torn last line left by a crash mid-append', async () => {
    await mkdir(journalOf(), { recursive: true });
    const line = (movie: number) => JSON.stringify({ user: 'discord:5', movie, value: 1, time: new Date().toISOString() });
    await writeFile(join(journalOf(), 'segment-000000000001.jsonl'), `${line(1)}\n${line(2)}\n${line(3).slice(0, 30)}`);
    const book = new LikeBook(store, { source: 'discord', journalDir: journalOf() });
    await book.open();
    expect(book.replayed).toMatchObject({ records: 2, tornLines: 1 });
    expect(await values('discord:5')).toEqual(
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
    expect(await segmentsLeft()).toEqual([]);
    await book.close();
  });

  it('a failing journal append rejects with LikeNotSavedError and leaves the state as it was', async () => {
    await like(store, 'discord:6', 1, 1, 'discord');
    const book = new LikeBook(store, { source: 'discord', journalDir: journalOf(), openFile: fullDisk });
    const error = await book.set('discord:6', 2, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LikeNotSavedError);
    expect(error).toMatchObject({ code: 'likes_unavailable' });
    await expect(book.clear('discord:6', 1)).rejects.toBeInstanceOf(LikeNotSavedError);
    expect([...(await book.of('discord:6'))]).toEqual([[1, 1]]);
    expect(book.queued).toBe(0);
    await book.flush();
    expect(await values('discord:6')).toEqual(new Map([[1, 1]]));
    expect(await book.close()).toMatchObject({ written: true, unwritten: 0 });
  });

  it('close() resolves within its bound when the store write hangs, keeps the change journaled, then refuses changes', async () => {
    const restore = breakWrites('hang');
    const book = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 60_000 });
    await book.set('discord:7', 3, 1);
    const started = performance.now();
    const report = await book.close(300);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(1.5);
    expect(report).toMatchObject({ written: false, timedOut: true, unwritten: 1, journalDir: journalOf() });
    await expect(book.set('discord:7', 4, 1)).rejects.toBeInstanceOf(LikeNotSavedError);
    await expect(book.clear('discord:7', 3)).rejects.toBeInstanceOf(LikeNotSavedError);
    restore();
    const next = new LikeBook(store, { source: 'discord', journalDir: journalOf() });
    await next.open();
    expect(await values('discord:7')).toEqual(new Map([[3, 1]]));
    await next.close();
  });

  it('close() with a failing store write resolves, leaves no timer behind, and re-arms nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const restore = breakWrites('fail');
      const errors: unknown[] = [];
      const book = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 10, onError: (e) => errors.push(e) });
      await book.open();
      await book.set('discord:8', 1, 1);
      await expect(book.flush()).rejects.toThrow(/ENOSPC/);
      // The failed write armed a retry: the check below would see it.
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      const report = await book.close(5000);
      expect(report).toMatchObject({ written: false, timedOut: false, unwritten: 1 });
      expect(String(report.error)).toMatch(/ENOSPC/);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(vi.getTimerCount()).toBe(0);
      expect(errors.length).toBe(2);
      restore();
    } finally {
      vi.useRealTimers();
    }
    expect(await segmentsLeft()).toHaveLength(1);
  });

  it('keeps at most maxUsers people in memory, never one with unwritten changes', async () => {
    const restore = breakWrites('fail');
    const book = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 60_000, maxUsers: 3 });
    for (let u = 0; u < 10; u++) await book.set(`discord:${u}`, u + 1, 1);
    // All ten have changes only the journal holds: none may be dropped.
    expect(book.cachedUsers).toBe(10);
    restore();
    await book.flush();
    expect(book.cachedUsers).toBeLessThanOrEqual(3);
    for (let u = 0; u < 10; u++) expect([...(await book.of(`discord:${u}`))]).toEqual([[u + 1, 1]]);
    expect(book.cachedUsers).toBeLessThanOrEqual(3);
    await book.close();
  });

  it('replayed changes the store cannot take yet stay shown, whatever the cache bound', async () => {
    const restore = breakWrites('fail');
    const crashed = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 60_000 });
    for (let u = 0; u < 5; u++) await crashed.set(`discord:${u}`, 40 + u, -1);
    const restarted = new LikeBook(store, { source: 'discord', journalDir: journalOf(), flushMs: 60_000, maxUsers: 1 });
    await restarted.open();
    expect(restarted.queued).toBe(5);
    for (let u = 0; u < 5; u++) expect([...(await restarted.of(`discord:${u}`))]).toEqual([[40 + u, -1]]);
    restore();
    await restarted.flush();
    for (let u = 0; u < 5; u++) expect(await values(`discord:${u}`)).toEqual(new Map([[40 + u, -1]]));
    expect(restarted.cachedUsers).toBe(1);
    await restarted.close();
    await crashed.close(100);
  });

  it('refuses a new like beyond the per-person cap before journaling it', async () => {
    const book = new LikeBook(store, { source: 'discord', journalDir: journalOf(), maxLikesPerPerson: 3 });
    for (const movie of [1, 2, 3]) await book.set('discord:9', movie, 1);
    const refused = await book.set('discord:9', 4, 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LikeLimitError);
    expect(refused).toMatchObject({ code: 'too_many_likes' });
    // Changing or removing one of the three is still allowed.
    await book.set('discord:9', 2, -1);
    expect(await book.clear('discord:9', 3)).toBe(true);
    await book.set('discord:9', 4, 1);
    await book.close();
    expect(await values('discord:9')).toEqual(
      new Map([
        [1, 1],
        [2, -1],
        [4, 1],
      ]),
    );
  });
});

describe('messages', () => {
  it('remembers which movie a message shows, across a reopen', async () => {
    await rememberMessages(store, [
      { messageId: '100', channelId: 'c', movie: 5, source: 'discord' },
      { messageId: '101', channelId: 'c', movie: 6, source: 'discord' },
    ]);
    await rememberMessages(store, [{ messageId: '101', channelId: 'c', movie: 7, source: 'discord' }]);
    store.close();
    store = await openTestStore(dir);
    expect(await movieOfMessage(store, '100')).toBe(5);
    expect(await movieOfMessage(store, '101')).toBe(7);
    expect(await movieOfMessage(store, "nope' OR 1=1 --")).toBeNull();
    expect(await allMessages(store, 'discord')).toEqual(
      new Map([
        ['100', 5],
        ['101', 7],
      ]),
    );
  });
});
