import type { Store } from './connect.js';
import { guard } from './errors.js';
import { addToGroups, type StoredLike, scanStoredLikes } from './like-rows.js';
import { stringColumn } from './rows.js';
import { chunks, sqlInt, sqlStringList } from './sql.js';

/**
 * A row's identity as the engine spells it: its row id and its whole content, `|`-joined. Every
 * part but the user id is a number or a source name, so the user id is what lies between the first
 * `|` and the last four: two different rows never share a key.
 */
const ROW_KEY =
  "concat(CAST(_rowid AS VARCHAR), '|', user_id, '|', CAST(movie_id AS VARCHAR), '|', source, '|', " +
  "CAST(value AS VARCHAR), '|', CAST(CAST(time AS BIGINT) AS VARCHAR))";

function rowKey(row: StoredLike): string {
  return `${row.rowId}|${row.user}|${sqlInt(row.movie)}|${row.source}|${row.value}|${row.time.getTime()}`;
}

/**
 * These rows' filter: their row ids, and each row's id and whole content together. Row ids are
 * positions in fragments, and only the upkeep owner compacts (which renumbers them); should another
 * process compact between our read and our delete anyway, the content check means a renumbered id
 * can only ever hit a row identical to the one we meant, never the row we keep or another person's
 * like. One IN list of keys, not an OR of one AND per row: at 45,000 likes a delete of 200 rows
 * took ~300 ms planning and evaluating the OR, 8 ms this way (development run, 2026-12-07).
 */
function exactRows(rows: readonly StoredLike[]): string {
  return `_rowid IN (${rows.map((r) => r.rowId).join(', ')}) AND ${ROW_KEY} IN ${sqlStringList(rows.map(rowKey))}`;
}

/** The people with a like row written (by its time) at or after `since`: a scan of one column, done in LanceDB. */
async function peopleWrittenSince(store: Store, since: Date): Promise<string[]> {
  const people = new Set<string>();
  await guard('repairDuplicateLikes', async () => {
    const query = store.tables.likes
      .query()
      .where(`time >= to_timestamp_millis(${Math.floor(since.getTime())})`)
      .select(['user_id']);
    for await (const batch of query) {
      const user = stringColumn(batch, 'user_id');
      for (let i = 0; i < batch.numRows; i++) people.add(user(i));
    }
  });
  return [...people];
}

/** Every copy but the believed one of each key among the rows looked at, grouped a batch at a time. */
async function losingCopies(store: Store, since: Date | null): Promise<StoredLike[]> {
  const groups = new Map<string, StoredLike[]>();
  const filters =
    since === null ? [null] : chunks(await peopleWrittenSince(store, since)).map((part) => `user_id IN ${sqlStringList(part)}`);
  for (const filter of filters) await scanStoredLikes(store, 'repairDuplicateLikes', filter, (rows) => addToGroups(groups, rows));
  const losers: StoredLike[] = [];
  for (const group of groups.values()) for (let i = 1; i < group.length; i++) losers.push(group[i] as StoredLike);
  return losers;
}

/**
 * Deletes every duplicate (user, movie, source) row but the one readers believe (latest time).
 * Each delete is one commit that only removes losing copies: the kept row is never touched, so a
 * reader sees the same answer before, during and after the repair, and a crash mid-way leaves
 * duplicates that reads still resolve and the next run repairs. Returns the rows deleted.
 *
 * With `since`, only the keys of people with a row written since then are looked at: the rows of
 * a flip or of two concurrent inserts carry the time they were written, so a repair that runs every
 * few seconds reads the people written to in between instead of the whole table (whose reading
 * and grouping would hold the event loop for tens of milliseconds at 50,000 likes). A row stored
 * with an older time (a bot journal replayed late) is left to the next full repair.
 */
export async function repairDuplicateLikes(store: Store, { since = null }: { since?: Date | null } = {}): Promise<number> {
  const losers = await losingCopies(store, since);
  let deleted = 0;
  for (const part of chunks(losers, 200)) {
    const result = await guard('repairDuplicateLikes', () => store.writeGate.write(() => store.tables.likes.delete(exactRows(part))));
    deleted += result.numDeletedRows;
  }
  return deleted;
}
