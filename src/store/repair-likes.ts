import type { Store } from './connect.js';
import { guard } from './errors.js';
import { groupByKey, readStoredLikes, type StoredLike } from './like-rows.js';
import { chunks, sqlInt, sqlString } from './sql.js';

/**
 * One row's filter: its row id, and its whole content as well. Row ids are positions in fragments,
 * and only the upkeep owner compacts (which renumbers them); should another process compact between
 * our read and our delete anyway, the content check means a renumbered id can only ever hit a row
 * identical to the one we meant, never the row we keep or another person's like.
 */
function exactRow(row: StoredLike): string {
  return (
    `(_rowid = ${row.rowId} AND user_id = ${sqlString(row.user)} AND movie_id = ${sqlInt(row.movie)} ` +
    `AND source = ${sqlString(row.source)} AND value = ${row.value} AND time = to_timestamp_millis(${row.time.getTime()}))`
  );
}

/**
 * Deletes every duplicate (user, movie, source) row but the one readers believe (latest time).
 * Each delete is one commit that only removes losing copies: the kept row is never touched, so a
 * reader sees the same answer before, during and after the repair, and a crash mid-way leaves
 * duplicates that reads still resolve and the next run repairs. Returns the rows deleted.
 */
export async function repairDuplicateLikes(store: Store): Promise<number> {
  const rows = await readStoredLikes(store, 'repairDuplicateLikes', null);
  const losers = [...groupByKey(rows).values()].flatMap((group) => group.slice(1));
  let deleted = 0;
  for (const part of chunks(losers, 200)) {
    const result = await guard('repairDuplicateLikes', () =>
      store.writeGate.write(() => store.tables.likes.delete(part.map(exactRow).join(' OR '))),
    );
    deleted += result.numDeletedRows;
  }
  return deleted;
}
