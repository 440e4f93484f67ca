import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyLikeChanges, createLikeGroupCommit, LikeLimitError, likesOf, type Store, StoreInputError } from '../src/store/index.js';
import { createTempStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-group-commit-'));
});

afterEach(() => removeTempStore(dir, store));

const version = () => store.tables.likes.version();
const values = async (user: string) => (await likesOf(store, user)).map((l) => [l.movie, l.value]);

describe('the like group commit', () => {
  it('a lone change is in the store when it resolves', async () => {
    const writes = createLikeGroupCommit(store, 'web');
    await writes.apply({ user: 'web:a', movie: 7, value: 1 });
    expect(await values('web:a')).toEqual([[7, 1]]);
    await writes.apply({ user: 'web:a', movie: 7, value: null });
    expect(await values('web:a')).toEqual([]);
  });

  it('changes that arrive during a commit go together in the next: 20 people, 2 versions, all stored', async () => {
    const writes = createLikeGroupCommit(store, 'web');
    const before = await version();
    await Promise.all(Array.from({ length: 20 }, (_, i) => writes.apply({ user: `web:p${i}`, movie: i + 1, value: i % 2 ? 1 : -1 })));
    expect((await version()) - before).toBe(2);
    for (let i = 0; i < 20; i++) expect(await values(`web:p${i}`)).toEqual([[i + 1, i % 2 ? 1 : -1]]);
  });

  it('refuses only the new likes of a person at the cap; their flip and everybody else are written', async () => {
    const cap = 3;
    await applyLikeChanges(
      store,
      [1, 2, 3].map((movie) => ({ user: 'web:full', movie, value: 1 as const })),
      'web',
    );
    const writes = createLikeGroupCommit(store, 'web', { maxPerPerson: cap });
    const results = await Promise.allSettled([
      writes.apply({ user: 'web:other', movie: 1, value: 1 }),
      writes.apply({ user: 'web:full', movie: 4, value: 1 }),
      writes.apply({ user: 'web:full', movie: 1, value: -1 }),
      writes.apply({ user: 'web:other', movie: 2, value: -1 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LikeLimitError);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'too_many_likes', user: 'web:full', limit: cap });
    expect(await values('web:full')).toEqual([
      [2, 1],
      [3, 1],
      [1, -1],
    ]);
    expect(await values('web:other')).toEqual([
      [1, 1],
      [2, -1],
    ]);
  });

  it('a change the store cannot take is refused alone, before it joins a group', async () => {
    const writes = createLikeGroupCommit(store, 'web');
    const results = await Promise.allSettled([
      writes.apply({ user: 'web:a', movie: 1, value: 1 }),
      writes.apply({ user: '', movie: 2, value: 1 }),
      writes.apply({ user: 'web:b', movie: 1.5, value: 1 }),
      writes.apply({ user: 'web:c', movie: 4, value: 2 as never }),
      writes.apply({ user: 'web:d', movie: 5, value: -1 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    for (const r of results.slice(1, 4)) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreInputError);
    expect(await values('web:a')).toEqual([[1, 1]]);
    expect(await values('web:d')).toEqual([[5, -1]]);
  });

  it('a failed commit fails every change of its group, and the next group still commits', async () => {
    const writes = createLikeGroupCommit(store, 'web');
    const add = vi.spyOn(store.tables.likes, 'add').mockRejectedValueOnce(new Error('disk full'));
    try {
      const failed = await Promise.allSettled([
        writes.apply({ user: 'web:a', movie: 1, value: 1 }),
        writes.apply({ user: 'web:b', movie: 1, value: 1 }),
      ]);
      // The first commits alone and fails; the second waited and goes in the next group.
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'store_io' });
      expect(await values('web:a')).toEqual([]);
      await writes.apply({ user: 'web:a', movie: 1, value: 1 });
      expect(await values('web:a')).toEqual([[1, 1]]);
      expect(await values('web:b')).toEqual([[1, 1]]);
    } finally {
      add.mockRestore();
    }
  });
});
