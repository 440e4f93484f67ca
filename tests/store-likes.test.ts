import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyLikeChanges,
  forgetUser,
  LikeLimitError,
  likesOf,
  MAX_LIKES_PER_PERSON,
  repairDuplicateLikes,
  type Store,
  unlike,
} from '../src/store/index.js';
import { createTempStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-store-likes-'));
});

afterEach(() => removeTempStore(dir, store));

const t = (s: number): Date => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
const row = (user: string, movie: number, value: 1 | -1, s: number, source = 'web') => ({
  user_id: user,
  movie_id: movie,
  value,
  source,
  time: t(s),
});
const version = () => store.tables.likes.version();

describe('no-op writes commit nothing', () => {
  it('setting the stored value again, removing what is not there and unliking nothing leave the version alone', async () => {
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: 1, time: t(1) }], 'web')).toBe(1);
    const before = await version();
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: 1, time: t(2) }], 'web')).toBe(0);
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 11, value: null }], 'web')).toBe(0);
    // The same movie from another source is another like: removing the web one must not touch it.
    expect(await applyLikeChanges(store, [{ user: 'u2', movie: 10, value: null }], 'discord')).toBe(0);
    expect(await unlike(store, 'u1', 11, 'web')).toBe(false);
    expect(await unlike(store, 'u1', 10, 'discord')).toBe(false);
    expect(await forgetUser(store, 'nobody')).toEqual({ likes: 0, user: false });
    expect(await applyLikeChanges(store, [], 'web')).toBe(0);
    expect(await version()).toBe(before);
    // The stored row keeps its first time: nothing was rewritten.
    expect(await likesOf(store, 'u1')).toEqual([{ user: 'u1', movie: 10, value: 1, source: 'web', time: t(1) }]);
  });

  it('writes only the changes of a mixed batch, and a flip still replaces the stored value', async () => {
    await applyLikeChanges(
      store,
      [
        { user: 'u1', movie: 1, value: 1, time: t(1) },
        { user: 'u1', movie: 2, value: -1, time: t(1) },
      ],
      'web',
    );
    const before = await version();
    const changed = await applyLikeChanges(
      store,
      [
        { user: 'u1', movie: 1, value: 1, time: t(5) }, // same: dropped
        { user: 'u1', movie: 2, value: 1, time: t(5) }, // flip
        { user: 'u1', movie: 3, value: null }, // absent: dropped
      ],
      'web',
    );
    expect(changed).toBe(1);
    expect(await version()).toBe(before + 1);
    expect((await likesOf(store, 'u1')).map((l) => [l.movie, l.value, l.time])).toEqual([
      [1, 1, t(1)],
      [2, 1, t(5)],
    ]);
  });
});

describe('duplicates left by concurrent writers', () => {
  it('reads one row per (user, movie, source): the latest, ties broken the same way whatever the order', async () => {
    await store.tables.likes.add([row('u1', 10, 1, 1), row('u1', 10, -1, 3), row('u1', 10, 1, 2)]);
    await store.tables.likes.add([row('u1', 11, -1, 4), row('u1', 11, 1, 4)]);
    await store.tables.likes.add([row('u1', 11, 1, 4), row('u1', 11, -1, 4)]);
    await store.tables.likes.add([row('u1', 10, 1, 9, 'discord')]);
    expect(await store.tables.likes.countRows()).toBe(8);
    expect(await likesOf(store, 'u1')).toEqual([
      { user: 'u1', movie: 10, value: -1, source: 'web', time: t(3) },
      { user: 'u1', movie: 11, value: 1, source: 'web', time: t(4) },
      { user: 'u1', movie: 10, value: 1, source: 'discord', time: t(9) },
    ]);
  });

  it('a set of the value readers already see commits nothing; a changed value is appended as the newest row, and upkeep drops the rest', async () => {
    await store.tables.likes.add([row('u1', 10, 1, 1), row('u1', 10, -1, 3)]);
    const before = await version();
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: -1 }], 'web')).toBe(0);
    expect(await version()).toBe(before);
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: 1, time: t(7) }], 'web')).toBe(1);
    expect(await version()).toBe(before + 1);
    expect(await store.tables.likes.countRows()).toBe(3);
    expect(await likesOf(store, 'u1')).toEqual([{ user: 'u1', movie: 10, value: 1, source: 'web', time: t(7) }]);
    expect(await repairDuplicateLikes(store)).toBe(2);
    expect((await store.tables.likes.query().toArray()).map((r) => [r.value, r.time])).toEqual([[1, t(7).getTime()]]);
  });

  it('a change carrying an older time than the stored row still wins, stored just after it', async () => {
    await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: 1, time: t(9) }], 'web');
    // A bot journal replayed after a restart: the change was made at t(2), acknowledged, not yet written.
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: -1, time: t(2) }], 'web')).toBe(1);
    expect(await likesOf(store, 'u1')).toEqual([{ user: 'u1', movie: 10, value: -1, source: 'web', time: new Date(t(9).getTime() + 1) }]);
  });

  it('repairs duplicates whose copies arrive in different record batches of a large scan', async () => {
    // 3,000 distinct likes, then a second copy of every 100th one written later: a key's copies lie
    // far apart in the scan, which hands rows over a batch (about a thousand rows) at a time.
    const first = Array.from({ length: 3000 }, (_, i) => row(`u${i % 30}`, 1 + Math.floor(i / 30), 1, 0));
    const later = first.filter((_, i) => i % 100 === 0).map((r) => ({ ...r, value: -1 as const, time: t(5) }));
    await store.tables.likes.add(first);
    await store.tables.likes.add(later);
    expect(await repairDuplicateLikes(store)).toBe(later.length);
    expect(await store.tables.likes.countRows()).toBe(first.length);
    expect((await likesOf(store, 'u0')).filter((l) => l.value === -1).map((l) => l.movie)).toEqual(
      later.filter((r) => r.user_id === 'u0').map((r) => r.movie_id),
    );
    expect(await repairDuplicateLikes(store)).toBe(0);
  });

  it('removing a duplicated like removes every copy', async () => {
    await store.tables.likes.add([row('u1', 10, 1, 1), row('u1', 10, -1, 3)]);
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 10, value: null }], 'web')).toBe(1);
    expect(await store.tables.likes.countRows()).toBe(0);
  });
});

describe(`the cap of ${MAX_LIKES_PER_PERSON} likes per person`, () => {
  const fill = async (user: string, count: number, source: 'web' | 'discord' = 'web', from = 0) => {
    const movies = Array.from({ length: count }, (_, i) => from + i);
    await applyLikeChanges(
      store,
      movies.map((movie) => ({ user, movie, value: 1 as const, time: t(1) })),
      source,
    );
  };

  it('refuses a change set that would go past it, before writing anything; all sources count', async () => {
    await fill('u1', MAX_LIKES_PER_PERSON - 10, 'discord');
    await fill('u1', 10, 'web', 100_000);
    expect((await likesOf(store, 'u1')).length).toBe(MAX_LIKES_PER_PERSON);
    const before = await version();
    const over = applyLikeChanges(
      store,
      [
        { user: 'u1', movie: 200_000, value: 1 },
        { user: 'u2', movie: 1, value: 1 },
      ],
      'web',
    );
    await expect(over).rejects.toBeInstanceOf(LikeLimitError);
    await expect(over).rejects.toMatchObject({ code: 'too_many_likes', user: 'u1', limit: MAX_LIKES_PER_PERSON });
    expect(await version()).toBe(before);
    expect(await likesOf(store, 'u2')).toEqual([]);
  });

  it('at the cap, flips, removals and a swap (remove one, add one) still go through', async () => {
    await fill('u1', MAX_LIKES_PER_PERSON);
    expect(await applyLikeChanges(store, [{ user: 'u1', movie: 5, value: -1 }], 'web')).toBe(1);
    expect(
      await applyLikeChanges(
        store,
        [
          { user: 'u1', movie: 6, value: null },
          { user: 'u1', movie: 50_000, value: 1 },
        ],
        'web',
      ),
    ).toBe(2);
    expect((await likesOf(store, 'u1')).length).toBe(MAX_LIKES_PER_PERSON);
    await expect(applyLikeChanges(store, [{ user: 'u1', movie: 50_001, value: -1 }], 'web')).rejects.toBeInstanceOf(LikeLimitError);
  });
});
