import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { date, num, type RawRow, str } from './rows.js';
import type { Source } from './schema.js';
import { checkMovieId, checkText, chunks, lastByKey, sqlInt, sqlIntList, sqlString } from './sql.js';
import { checkDate, checkSource } from './users.js';

export type LikeValue = 1 | -1;

/**
 * Likes and dislikes one person (user id, all sources together) may keep. Far above what a person picks by
 * hand, low enough that one client cannot grow the store without bound.
 */
export const MAX_LIKES_PER_PERSON = 2000;

export interface LikeRecord {
  user: string;
  movie: number;
  /** +1 like, −1 dislike. */
  value: LikeValue;
  source: Source;
  time: Date;
}

function keyFilter(user: string, movie: number, source: Source): string {
  return `user_id = ${sqlString(user)} AND movie_id = ${sqlInt(movie)} AND source = ${sqlString(source)}`;
}

/**
 * Records a like (+1) or dislike (−1). One row per (user, movie, source): liking again, or flipping
 * to a dislike, replaces the earlier row and its time.
 */
export async function like(store: Store, user: string, movie: number, value: LikeValue, source: Source, time = new Date()): Promise<void> {
  if (value !== 1 && value !== -1) throw new StoreInputError(`like value must be 1 or -1, got ${String(value)}`);
  const record = {
    user_id: checkText(user, 'user id'),
    movie_id: checkMovieId(movie),
    value,
    source: checkSource(source),
    time: checkDate(time, 'like time'),
  };
  await guard('like', () =>
    store.tables.likes.mergeInsert(['user_id', 'movie_id', 'source']).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([record]),
  );
}

export interface LikeChange {
  user: string;
  movie: number;
  /** The new value, or null to remove the like. */
  value: LikeValue | null;
  time?: Date;
}

/**
 * Applies many changes at once — one mergeInsert for the sets, one delete per user for the
 * removals — so a burst of reactions costs two LanceDB versions, not one per reaction. For a key
 * changed twice, the last change wins.
 */
export async function applyLikeChanges(store: Store, changes: readonly LikeChange[], source: Source): Promise<void> {
  checkSource(source);
  const last = lastByKey(changes, (c) => `${checkText(c.user, 'user id')}\u0000${checkMovieId(c.movie)}`);
  const sets = last
    .filter((c) => c.value !== null)
    .map((c) => ({
      user_id: c.user,
      movie_id: c.movie,
      value: c.value as LikeValue,
      source,
      time: checkDate(c.time ?? new Date(), 'like time'),
    }));
  const removals = new Map<string, number[]>();
  for (const c of last) if (c.value === null) removals.set(c.user, [...(removals.get(c.user) ?? []), c.movie]);
  await guard('applyLikeChanges', async () => {
    if (sets.length > 0) {
      await store.tables.likes
        .mergeInsert(['user_id', 'movie_id', 'source'])
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(sets);
    }
    for (const [user, movies] of removals) {
      for (const part of chunks(movies)) {
        await store.tables.likes.delete(
          `user_id = ${sqlString(user)} AND source = ${sqlString(source)} AND movie_id IN ${sqlIntList(part)}`,
        );
      }
    }
  });
}

/** Removes the like or dislike; true when there was one. */
export async function unlike(store: Store, user: string, movie: number, source: Source): Promise<boolean> {
  const filter = keyFilter(checkText(user, 'user id'), checkMovieId(movie), checkSource(source));
  const result = await guard('unlike', () => store.tables.likes.delete(filter));
  return result.numDeletedRows > 0;
}

/** A user's likes and dislikes from every source, oldest first. */
export async function likesOf(store: Store, user: string): Promise<LikeRecord[]> {
  const filter = `user_id = ${sqlString(checkText(user, 'user id'))}`;
  const rows: RawRow[] = await guard('likesOf', () =>
    store.tables.likes.query().where(filter).select(['user_id', 'movie_id', 'value', 'source', 'time']).toArray(),
  );
  return rows
    .map((r) => ({
      user: str(r, 'user_id'),
      movie: num(r, 'movie_id'),
      value: (num(r, 'value') > 0 ? 1 : -1) as LikeValue,
      source: checkSource(str(r, 'source')),
      time: date(r, 'time'),
    }))
    .sort((a, b) => a.time.getTime() - b.time.getTime() || a.movie - b.movie);
}

/** Deletes everything the store holds about a user (likes and the user row), e.g. on a privacy request. */
export async function forgetUser(store: Store, user: string): Promise<{ likes: number; user: boolean }> {
  const id = sqlString(checkText(user, 'user id'));
  return guard('forgetUser', async () => {
    const likes = await store.tables.likes.delete(`user_id = ${id}`);
    const users = await store.tables.users.delete(`id = ${id}`);
    return { likes: likes.numDeletedRows, user: users.numDeletedRows > 0 };
  });
}
