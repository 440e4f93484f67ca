import './env.js';
import { Index } from '@lancedb/lancedb';
import type { Store } from './connect.js';
import { guard } from './errors.js';
import type { TableName } from './schema.js';

/**
 * The columns that requests look rows up by (`column = '…'`). Without an index such a read scans
 * the whole table, so a person's likes cost more as everybody's likes grow; a BTREE index makes it a
 * lookup (measured in `docs/store-maintenance.md`). LanceDB keeps the index current as a table is
 * compacted; rows written since the last upkeep are scanned until the next one folds them in.
 */
export const LOOKUP_INDICES: ReadonlyArray<{ table: TableName; column: string }> = [
  { table: 'likes', column: 'user_id' },
  { table: 'visitors', column: 'id' },
  { table: 'users', column: 'id' },
  { table: 'messages', column: 'message_id' },
];

/**
 * Creates the lookup indices a store lacks (a store made before they existed, or a new one) and
 * returns the `table.column` names it created. Two processes may race to create one; the loser's
 * "already exists" means the index is there, which is all that is wanted.
 */
export async function ensureLookupIndices(store: Store): Promise<string[]> {
  const created: string[] = [];
  for (const { table: name, column } of LOOKUP_INDICES) {
    const table = store.tables[name];
    await guard(`index ${name}.${column}`, async () => {
      const indices = await table.listIndices();
      if (indices.some((i) => i.columns.length === 1 && i.columns[0] === column)) return;
      try {
        await table.createIndex(column, { config: Index.btree(), replace: false });
        created.push(`${name}.${column}`);
      } catch (error) {
        if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
      }
    });
  }
  return created;
}
