import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  forgetUser,
  getUser,
  type LikeValue,
  like,
  likesOf,
  type Source,
  type Store,
  StoreInputError,
  StoreVectorError,
  unlike,
  upsertUser,
} from '../src/store/index.js';
import { createTempStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-store-users-'));
});

afterEach(() => removeTempStore(dir, store));

const t = (s: number): Date => new Date(Date.UTC(2025, 0, 1, 0, 0, s));

describe('users', () => {
  it('upserts one row per id and reads it back', async () => {
    await upsertUser(store, { id: "discord:o'brien", source: 'discord', vector: [1, 0, 0, 0], updated: t(1) });
    await upsertUser(store, { id: "discord:o'brien", source: 'discord', vector: [0, 1, 0, 0], updated: t(2) });
    expect(await store.tables.users.countRows()).toBe(1);
    const user = await getUser(store, "discord:o'brien");
    expect(user).toMatchObject({ id: "discord:o'brien", source: 'discord', updated: t(2) });
    expect(Array.from(user?.vector ?? [])).toEqual([0, 1, 0, 0]);
    expect(await getUser(store, 'nobody')).toBeNull();
  });

  it('rejects bad vectors and sources', async () => {
    await expect(upsertUser(store, { id: 'u', source: 'web', vector: [1, 0] })).rejects.toBeInstanceOf(StoreVectorError);
    await expect(upsertUser(store, { id: 'u', source: 'irc' as Source, vector: [1, 0, 0, 0] })).rejects.toBeInstanceOf(StoreInputError);
  });
});

describe('likes', () => {
  it('keeps one row per (user, movie, source); liking again replaces value and time', async () => {
    await like(store, 'u1', 10, 1, 'web', t(1));
    await like(store, 'u1', 10, 1, 'web', t(2));
    expect(await store.tables.likes.countRows()).toBe(1);
    await like(store, 'u1', 10, -1, 'web', t(3));
    await like(store, 'u1', 10, 1, 'discord', t(4));
    await like(store, 'u1', 11, 1, 'web', t(0));
    await like(store, 'u2', 10, 1, 'web', t(5));
    expect(await likesOf(store, 'u1')).toEqual([
      { user: 'u1', movie: 11, value: 1, source: 'web', time: t(0) },
      { user: 'u1', movie: 10, value: -1, source: 'web', time: t(3) },
      { user: 'u1', movie: 10, value: 1, source: 'discord', time: t(4) },
    ]);
  });

  it('unlike removes only that (user, movie, source)', async () => {
    await like(store, 'u1', 10, 1, 'web');
    await like(store, 'u1', 10, 1, 'discord');
    expect(await unlike(store, 'u1', 10, 'web')).toBe(true);
    expect(await unlike(store, 'u1', 10, 'web')).toBe(false);
    expect((await likesOf(store, 'u1')).map((l) => l.source)).toEqual(['discord']);
  });

  it('forgetUser deletes the likes and the user row, nobody else', async () => {
    await upsertUser(store, { id: 'u1', source: 'web', vector: [1, 0, 0, 0] });
    await upsertUser(store, { id: 'u2', source: 'web', vector: [1, 0, 0, 0] });
    await like(store, 'u1', 10, 1, 'web');
    await like(store, 'u1', 11, -1, 'web');
    await like(store, 'u2', 10, 1, 'web');
    expect(await forgetUser(store, 'u1')).toEqual({ likes: 2, user: true });
    expect(await likesOf(store, 'u1')).toEqual([]);
    expect(await getUser(store, 'u1')).toBeNull();
    expect(await likesOf(store, 'u2')).toHaveLength(1);
    expect(await getUser(store, 'u2')).not.toBeNull();
  });

  it('treats quotes in user ids as data, not SQL', async () => {
    await like(store, 'u2', 10, 1, 'web');
    await like(store, "x' OR '1'='1", 10, 1, 'web');
    expect(await likesOf(store, "x' OR '1'='1")).toHaveLength(1);
    expect(await forgetUser(store, "' OR true OR '")).toEqual({ likes: 0, user: false });
    expect(await likesOf(store, 'u2')).toHaveLength(1);
  });

  it('rejects values other than ±1 and non-integer movie ids', async () => {
    await expect(like(store, 'u1', 10, 2 as LikeValue, 'web')).rejects.toBeInstanceOf(StoreInputError);
    await expect(like(store, 'u1', 1.5, 1, 'web')).rejects.toBeInstanceOf(StoreInputError);
  });
});
