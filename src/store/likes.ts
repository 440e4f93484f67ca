import type { Store } from './connect.js';
import { guard, LikeLimitError, StoreInputError } from './errors.js';
import { groupByKey, type LikeRecord, type LikeValue, latestPerKey, likeKey, readLikeRows } from './like-rows.js';
import type { Source } from './schema.js';
import { checkMovieId, checkText, chunks, lastByKey, sqlInt, sqlIntList, sqlString, sqlStringList } from './sql.js';
import { checkDate, checkSource } from './users.js';

export type { LikeRecord, LikeValue } from './like-rows.js';

/**
 * Likes and dislikes one person (user id, all sources together) may keep. Far above what a person picks by
 * hand, low enough that one client cannot grow the store without bound.
 */
export const MAX_LIKES_PER_PERSON = 2000;

function keyFilter(user: string, movie: number, source: Source): string {
  return `user_id = ${sqlString(user)} AND movie_id = ${sqlInt(movie)} AND source = ${sqlString(source)}`;
}

/**
 * Records a like (+1) or dislike (−1). One row per (user, movie, source): flipping to a dislike
 * replaces the earlier row and its time; liking again what is already liked writes nothing.
 */
export async function like(store: Store, user: string, movie: number, value: LikeValue, source: Source, time = new Date()): Promise<void> {
  if (value !== 1 && value !== -1) throw new StoreInputError(`like value must be 1 or -1, got ${String(value)}`);
  await applyLikeChanges(store, [{ user, movie, value, time }], source);
}

export interface LikeChange {
  user: string;
  movie: number;
  /** The new value, or null to remove the like. */
  value: LikeValue | null;
  time?: Date;
}

/** Every like row of these users (all sources), one query per thousand users. */
async function rowsOfUsers(store: Store, users: readonly string[]): Promise<LikeRecord[]> {
  const rows: LikeRecord[] = [];
  for (const part of chunks(users)) rows.push(...(await readLikeRows(store, 'applyLikeChanges', `user_id IN ${sqlStringList(part)}`)));
  return rows;
}

/** The users a change set would grow past `cap` likes and dislikes. */
function usersOverCap(
  stored: Map<string, LikeRecord[]>,
  added: Map<string, number>,
  removed: Map<string, number[]>,
  cap: number,
): string[] {
  const held = new Map<string, number>();
  for (const [first] of stored.values()) if (first) held.set(first.user, (held.get(first.user) ?? 0) + 1);
  const over: string[] = [];
  for (const [user, count] of added) {
    if ((held.get(user) ?? 0) + count - (removed.get(user)?.length ?? 0) > cap) over.push(user);
  }
  return over;
}

/**
 * The time a changed like is stored with: its own, but after every stored row of the key, so the new
 * row is the one readers believe (see `newer`) even when the change carries an older time (a bot
 * journal replayed after a restart).
 */
function timeAfter(change: LikeChange, rows: readonly LikeRecord[] | undefined): Date {
  const own = checkDate(change.time ?? new Date(), 'like time');
  const latest = Math.max(0, ...(rows ?? []).map((r) => r.time.getTime()));
  return own.getTime() > latest ? own : new Date(latest + 1);
}

type LikeRow = { user_id: string; movie_id: number; value: LikeValue; source: Source; time: Date };

/** What a change set writes once the stored rows are known: appended rows, removals per user, and who would pass the cap. */
interface LikeWritePlan {
  sets: LikeRow[];
  /** The appended rows that add a key (a new like), as opposed to flipping a stored one. */
  adding: ReadonlySet<LikeRow>;
  removals: Map<string, number[]>;
  overCap: string[];
}

/** Throws StoreInputError for a change no store could hold (an empty user id, a bad movie id or value). */
export function checkLikeChange(change: LikeChange): void {
  checkText(change.user, 'user id');
  checkMovieId(change.movie);
  if (change.value !== null && change.value !== 1 && change.value !== -1)
    throw new StoreInputError(`like value must be 1 or -1, got ${String(change.value)}`);
  if (change.time !== undefined) checkDate(change.time, 'like time');
}

async function planLikeChanges(store: Store, changes: readonly LikeChange[], source: Source, cap: number): Promise<LikeWritePlan> {
  checkSource(source);
  for (const c of changes) checkLikeChange(c);
  const last = lastByKey(changes, (c) => `${c.user}\u0000${c.movie}`);
  if (last.length === 0) return { sets: [], adding: new Set(), removals: new Map(), overCap: [] };
  const stored = groupByKey(await rowsOfUsers(store, [...new Set(last.map((c) => c.user))]));
  const sets: LikeRow[] = [];
  const adding = new Set<LikeRow>();
  const added = new Map<string, number>();
  const removals = new Map<string, number[]>();
  for (const c of last) {
    const rows = stored.get(likeKey(c.user, c.movie, source));
    const current = rows?.[0];
    if (c.value === null) {
      if (current) removals.set(c.user, [...(removals.get(c.user) ?? []), c.movie]);
    } else if (current?.value !== c.value) {
      const row = { user_id: c.user, movie_id: c.movie, value: c.value, source, time: timeAfter(c, rows) };
      sets.push(row);
      if (!current) {
        adding.add(row);
        added.set(c.user, (added.get(c.user) ?? 0) + 1);
      }
    }
  }
  return { sets, adding, removals, overCap: usersOverCap(stored, added, removals, cap) };
}

/** One append for the sets, one delete per user (and thousand movies) for the removals. Returns the likes changed. */
async function writeLikePlan(store: Store, { sets, removals }: LikeWritePlan, source: Source): Promise<number> {
  await guard('applyLikeChanges', async () => {
    if (sets.length > 0) await store.appendGate.write(() => store.tables.likes.add(sets));
    for (const [user, movies] of removals) {
      for (const part of chunks(movies)) {
        const filter = `user_id = ${sqlString(user)} AND source = ${sqlString(source)} AND movie_id IN ${sqlIntList(part)}`;
        await store.writeGate.write(() => store.tables.likes.delete(filter));
      }
    }
  });
  return sets.length + [...removals.values()].reduce((n, movies) => n + movies.length, 0);
}

/**
 * Applies many changes at once: one append for the sets, one delete per user for the removals, so a
 * burst of reactions costs two LanceDB versions, not one per reaction. For a key changed twice, the
 * last change wins. Every LanceDB write commits a table version even when it changes nothing, so
 * the users' rows are read first and only real changes are written: setting the stored value again
 * or removing what is not there commits nothing. Returns how many (user, movie) likes changed.
 * A change set that would grow anybody past `maxPerPerson` is refused whole (LikeLimitError) before
 * anything is written.
 *
 * A changed value is appended as a newer row rather than updated in place: readers believe the
 * newest row of a key, and upkeep deletes the rows it superseded (repairDuplicateLikes). An append
 * cannot conflict with a compaction or with another append, so a like is never held up by upkeep
 * and never retried; an update in place rewrites rows a compaction may be rewriting too.
 */
export async function applyLikeChanges(
  store: Store,
  changes: readonly LikeChange[],
  source: Source,
  { maxPerPerson = MAX_LIKES_PER_PERSON }: { maxPerPerson?: number } = {},
): Promise<number> {
  const plan = await planLikeChanges(store, changes, source, maxPerPerson);
  const [over] = plan.overCap;
  if (over !== undefined) throw new LikeLimitError(over, maxPerPerson);
  return writeLikePlan(store, plan, source);
}

/**
 * applyLikeChanges for changes of independent people (a group commit): a person the set would grow
 * past `maxPerPerson` gets none of their new likes written, while their flips and removals and
 * everybody else's changes are. Returns the likes changed and the refused changes' keys (likeKey).
 */
export async function applyLikeChangesEach(
  store: Store,
  changes: readonly LikeChange[],
  source: Source,
  { maxPerPerson = MAX_LIKES_PER_PERSON }: { maxPerPerson?: number } = {},
): Promise<{ changed: number; refused: ReadonlySet<string> }> {
  const plan = await planLikeChanges(store, changes, source, maxPerPerson);
  const over = new Set(plan.overCap);
  const refused = new Set<string>();
  if (over.size > 0) {
    plan.sets = plan.sets.filter((row) => {
      const keep = !(over.has(row.user_id) && plan.adding.has(row));
      if (!keep) refused.add(likeKey(row.user_id, row.movie_id, source));
      return keep;
    });
  }
  return { changed: await writeLikePlan(store, plan, source), refused };
}

/** Removes the like or dislike; true when there was one. Nothing is committed when there is none. */
export async function unlike(store: Store, user: string, movie: number, source: Source): Promise<boolean> {
  const filter = keyFilter(checkText(user, 'user id'), checkMovieId(movie), checkSource(source));
  return guard('unlike', async () => {
    if ((await store.tables.likes.countRows(filter)) === 0) return false;
    return (await store.writeGate.write(() => store.tables.likes.delete(filter))).numDeletedRows > 0;
  });
}

/**
 * A user's likes and dislikes from every source, oldest first: one per (movie, source) even when
 * concurrent writers left duplicate rows (the latest wins, as the maintenance repair decides).
 */
export async function likesOf(store: Store, user: string): Promise<LikeRecord[]> {
  const rows = await readLikeRows(store, 'likesOf', `user_id = ${sqlString(checkText(user, 'user id'))}`);
  return latestPerKey(rows).sort((a, b) => a.time.getTime() - b.time.getTime() || a.movie - b.movie || a.source.localeCompare(b.source));
}

/** Deletes everything the store holds about a user (likes and the user row), e.g. on a privacy request. */
export async function forgetUser(store: Store, user: string): Promise<{ likes: number; user: boolean }> {
  const id = sqlString(checkText(user, 'user id'));
  return guard('forgetUser', async () => {
    // Only delete what is there: an empty delete still commits a table version.
    const deleteWhere = async (table: typeof store.tables.likes, filter: string) =>
      (await table.countRows(filter)) === 0 ? 0 : (await store.writeGate.write(() => table.delete(filter))).numDeletedRows;
    const likes = await deleteWhere(store.tables.likes, `user_id = ${id}`);
    const users = await deleteWhere(store.tables.users, `id = ${id}`);
    return { likes, user: users > 0 };
  });
}
