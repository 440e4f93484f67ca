import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { date, type RawRow, str, vector } from './rows.js';
import { SOURCES, type Source } from './schema.js';
import { checkText, lastByKey, sqlString } from './sql.js';
import { toVector, type VectorInput } from './vector.js';

/**
 * `id` is the store-wide user key (one row per id): callers namespace ids that could collide across
 * sources, e.g. `discord:1234`. `source` records where the user first came from.
 */
export interface UserInput {
  id: string;
  source: Source;
  /** Taste vector in the movie embedding space. */
  vector: VectorInput;
  /** Defaults to now. */
  updated?: Date;
}

export interface UserRecord {
  id: string;
  source: Source;
  vector: Float32Array;
  updated: Date;
}

export function checkSource(source: string): Source {
  if (!(SOURCES as readonly string[]).includes(source)) {
    throw new StoreInputError(`source must be one of ${SOURCES.join(', ')}, got ${JSON.stringify(source)}`);
  }
  return source as Source;
}

export function checkDate(value: Date, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new StoreInputError(`${what} must be a valid Date`);
  return value;
}

export async function upsertUser(store: Store, user: UserInput): Promise<void> {
  await upsertUsers(store, [user]);
}

/** Many users in one merge (a build writes every MovieLens user's vector at once). */
export async function upsertUsers(store: Store, users: readonly UserInput[]): Promise<void> {
  if (users.length === 0) return;
  const records = lastByKey(users, (u) => u.id).map((user) => ({
    id: checkText(user.id, 'user id'),
    source: checkSource(user.source),
    updated: checkDate(user.updated ?? new Date(), `user ${user.id} updated`),
    vector: toVector(user.vector, store.dimension, `user ${user.id}`),
  }));
  await guard('upsertUsers', () =>
    store.writeGate.write(() => store.tables.users.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(records)),
  );
}

export async function getUser(store: Store, id: string): Promise<UserRecord | null> {
  checkText(id, 'user id');
  const rows: RawRow[] = await guard('getUser', () =>
    store.tables.users
      .query()
      .where(`id = ${sqlString(id)}`)
      .select(['id', 'source', 'updated', 'vector'])
      .limit(1)
      .toArray(),
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { id: str(row, 'id'), source: checkSource(str(row, 'source')), vector: vector(row), updated: date(row, 'updated') };
}
