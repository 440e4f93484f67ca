import type { RecordBatch } from 'apache-arrow';
import type { Store } from './connect.js';
import { guard } from './errors.js';
import { numberColumn, stringColumn } from './rows.js';
import type { Source } from './schema.js';
import { checkSource } from './users.js';

export type LikeValue = 1 | -1;

export interface LikeRecord {
  user: string;
  movie: number;
  /** +1 like, −1 dislike. */
  value: LikeValue;
  source: Source;
  time: Date;
}

/** A stored row with LanceDB's row id, which a repair needs to delete one copy of identical duplicates. */
export interface StoredLike extends LikeRecord {
  rowId: bigint;
}

const COLUMNS = ['user_id', 'movie_id', 'value', 'source', 'time'];

export function likeKey(user: string, movie: number, source: Source): string {
  return `${user}\u0000${movie}\u0000${source}`;
}

/** One batch's columns, read once; `at(i)` is its i-th row. */
function likeColumns(batch: RecordBatch) {
  const user = stringColumn(batch, 'user_id');
  const source = stringColumn(batch, 'source');
  const movie = numberColumn(batch, 'movie_id');
  const value = numberColumn(batch, 'value');
  const time = numberColumn(batch, 'time');
  return {
    rows: batch.numRows,
    at: (i: number): LikeRecord => ({
      user: user(i),
      movie: Number(movie[i]),
      value: Number(value[i]) > 0 ? 1 : -1,
      source: checkSource(source(i)),
      time: new Date(Number(time[i])),
    }),
  };
}

/** Calls `visit` with each record batch of the like rows matching `filter` (all of them when null), duplicates included. */
async function scanLikes(store: Store, operation: string, filter: string | null, withRowId: boolean, visit: (batch: RecordBatch) => void) {
  await guard(operation, async () => {
    const columns = store.tables.likes.query().select(COLUMNS);
    const query = withRowId ? columns.withRowId() : columns;
    for await (const batch of filter === null ? query : query.where(filter)) visit(batch);
  });
}

/** The like rows matching `filter` (all of them when null), duplicates included. */
export async function readLikeRows(store: Store, operation: string, filter: string | null): Promise<LikeRecord[]> {
  const rows: LikeRecord[] = [];
  await scanLikes(store, operation, filter, false, (batch) => {
    const { rows: n, at } = likeColumns(batch);
    for (let i = 0; i < n; i++) rows.push(at(i));
  });
  return rows;
}

/**
 * Like readLikeRows, with each row's id, handed to `visit` a batch at a time (the event loop serves
 * requests between batches while a repair reads tens of thousands of rows).
 */
export async function scanStoredLikes(store: Store, operation: string, filter: string | null, visit: (rows: StoredLike[]) => void) {
  await scanLikes(store, operation, filter, true, (batch) => {
    const { rows: n, at } = likeColumns(batch);
    const ids = numberColumn(batch, '_rowid');
    const rows: StoredLike[] = [];
    for (let i = 0; i < n; i++) rows.push({ ...at(i), rowId: BigInt(ids[i] as bigint) });
    visit(rows);
  });
}

/**
 * Which of two rows for one key a reader believes: the later time; on a tie, the like (+1). Any fixed
 * rule would do; what matters is that every reader and the repair pick the same row whatever the
 * order the table returns them in.
 */
export function newer(a: LikeRecord, b: LikeRecord): boolean {
  const dt = a.time.getTime() - b.time.getTime();
  return dt !== 0 ? dt > 0 : a.value > b.value;
}

/**
 * Rows grouped per (user, movie, source) with the row readers believe first. A changed like is
 * appended as a newer row (see applyLikeChanges), and two processes can both insert a key (LanceDB
 * has no unique constraint), so the table may hold several rows for a key until upkeep repairs it.
 */
export function groupByKey<T extends LikeRecord>(rows: readonly T[]): Map<string, T[]> {
  return addToGroups(new Map<string, T[]>(), rows);
}

/** groupByKey a part at a time: adds `rows` to `groups` (and returns it). */
export function addToGroups<T extends LikeRecord>(groups: Map<string, T[]>, rows: readonly T[]): Map<string, T[]> {
  for (const row of rows) {
    const key = likeKey(row.user, row.movie, row.source);
    const group = groups.get(key);
    if (!group) groups.set(key, [row]);
    else if (newer(row, group[0] as T)) group.unshift(row);
    else group.push(row);
  }
  return groups;
}

/** One row per key: the one readers believe. */
export function latestPerKey<T extends LikeRecord>(rows: readonly T[]): T[] {
  return [...groupByKey(rows).values()].map((group) => group[0] as T);
}

/** Every like row as stored, duplicates included: for checks of what reads have to resolve. */
export function allLikeRows(store: Store): Promise<LikeRecord[]> {
  return readLikeRows(store, 'allLikeRows', null);
}
