import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  allMessages,
  applyLikeChanges,
  LikeBook,
  like,
  likesOf,
  movieOfMessage,
  openStore,
  rememberMessages,
  type Store,
} from '../src/store/index.js';

const embedder = { id: 'test-embedder', model: 'unit/model-4', dimension: 4 };
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrec-like-book-'));
  store = await openStore({ uri: join(dir, 'db'), dimension: 4, embedder });
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

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
    // One mergeInsert for the whole burst, not 400.
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
    const original = store.tables.likes.mergeInsert.bind(store.tables.likes);
    let fail = true;
    // One failing write, as a full disk or a dropped connection would cause.
    (store.tables.likes as { mergeInsert: typeof original }).mergeInsert = (on) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return original(on);
    };
    await expect(book.flush()).rejects.toThrow(/disk full/);
    expect(errors).toHaveLength(1);
    expect(book.queued).toBe(1);
    await book.flush();
    expect(await values('discord:3')).toEqual(new Map([[4, 1]]));
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
    store = await openStore({ uri: join(dir, 'db'), dimension: 4, embedder });
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
