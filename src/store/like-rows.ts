import type { Store } from './connect.js';
import { guard } from './errors.js';
import { date, num, type RawRow, str } from './rows.js';
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

function toRecord(r: RawRow): LikeRecord {
  return {
    user: str(r, 'user_id'),
    movie: num(r, 'movie_id'),
    value: (num(r, 'value') > 0 ? 1 : -1) as LikeValue,
    source: checkSource(str(r, 'source')),
    time: date(r, 'time'),
  };
}

/** The like rows matching `filter` (all of them when null), duplicates included. */
export async function readLikeRows(store: Store, operation: string, filter: string | null): Promise<LikeRecord[]> {
  const rows: RawRow[] = await guard(operation, () => {
    const query = store.tables.likes.query().select(COLUMNS);
    return (filter === null ? query : query.where(filter)).toArray();
  });
  return rows.map(toRecord);
}

/** Like readLikeRows, with each row's id. */
export async function readStoredLikes(store: Store, operation: string, filter: string | null): Promise<StoredLike[]> {
  const rows: RawRow[] = await guard(operation, () => {
    const query = store.tables.likes.query().select(COLUMNS).withRowId();
    return (filter === null ? query : query.where(filter)).toArray();
  });
  return rows.map((r) => {
    const id = r._rowid;
    return { ...toRecord(r), rowId: typeof id === 'bigint' ? id : BigInt(num(r, '_rowid')) };
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
  const groups = new Map<string, T[]>();
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
