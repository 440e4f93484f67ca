import type { Table, Version } from '@lancedb/lancedb';
import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { ensureLookupIndices } from './lookup-indices.js';
import { repairDuplicateLikes } from './repair-likes.js';
import type { TableName } from './schema.js';

export interface TableUpkeep {
  name: TableName;
  /** Versions the table had when the run started (its compaction commit excluded). */
  versionsBefore: number;
  versionsRemoved: number;
  /** Small fragments merged away, and the fragments that replaced them. */
  fragmentsCompacted: number;
  fragmentsAdded: number;
  bytesRemoved: number;
}

export interface UpkeepStats {
  tables: TableUpkeep[];
  /** Like rows deleted that readers no longer believe: superseded by a later change, or duplicates. */
  duplicatesRepaired: number;
  /** Lookup indices this run created (`table.column`), for stores made before they existed. */
  indicesCreated: string[];
  seconds: number;
}

export interface OptimizeStoreOptions {
  /** Versions that stopped being the latest less than this long ago are kept for reads in flight. */
  graceSeconds: number;
  /**
   * false: compact only, without the duplicate repair (a scan of the likes table), the version
   * cleanup (a read of every manifest) and the lookup-index check. The scheduler compacts often and
   * cleans up less often.
   */
  cleanup?: boolean;
  /**
   * The tables to look after; all by default. The scheduler names those written since its last run:
   * the others have nothing to compact, and each table's run costs a few reads and commits.
   */
  tables?: readonly TableName[];
  /**
   * The duplicate repair looks only at people with a like written since then (see
   * repairDuplicateLikes); null or absent: at every like.
   */
  repairSince?: Date | null;
  /** Injected clock, for tests. */
  now?: () => Date;
}

/**
 * LanceDB turns `cleanupOlderThan` into an age when called and back into a date when it prunes, so
 * the cut-off it applies lands later by however long the call took before pruning. The cleanup call
 * follows a compaction that already ran, so it has next to nothing to do first; this margin covers it.
 */
const CUTOFF_MARGIN_MS = 2000;

/**
 * Why a grace period is enough, and why it is measured from when a version was *replaced*: reelrec
 * opens tables with read consistency 0, so every query looks up the latest version when it starts
 * and holds on to that version's files only until it ends; nothing pins an old version longer (no
 * checkout, no tags). A version is therefore still needed only by queries that started while it was
 * the latest, i.e. before its successor was committed. LanceDB's own cut-off compares a version's
 * *commit* time, which would delete an old-but-latest version the instant a compaction replaces it;
 * so the cut-off given is the commit time of the version that was the latest `grace` ago. Everything
 * older was replaced more than `grace` ago, and a query lasts milliseconds, far under the default
 * 10 s. Manifest times come from the writers' clocks: instances sharing a store must keep their
 * clocks within the grace period of each other (NTP keeps them within a second).
 */
export function cleanupCutoff(versions: readonly Version[], now: Date, graceSeconds: number): Date | null {
  const horizon = now.getTime() - graceSeconds * 1000;
  let latestThen: number | null = null;
  for (const v of versions) {
    const t = v.timestamp.getTime();
    if (t <= horizon && (latestThen === null || t > latestThen)) latestThen = t;
  }
  return latestThen === null ? null : new Date(latestThen - CUTOFF_MARGIN_MS);
}

/**
 * Compaction commits in this process's write queue (see WriteGate), so no write of ours conflicts
 * with it; a write from another process sharing the store still may, and then LanceDB asks for a
 * retry. Writes win (they are what people wait for): upkeep waits a little and plans again.
 */
async function retryConflicts<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !/commit conflict|preempted|please retry/i.test(message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
}

/** Long enough ago that LanceDB's prune, run as part of every optimize, removes nothing. */
const NOTHING_OLDER_THAN = new Date(0);

async function upkeepTable(store: Store, name: TableName, table: Table, options: OptimizeStoreOptions): Promise<TableUpkeep> {
  const now = options.now ?? (() => new Date());
  return guard(`optimize ${name}`, async () => {
    // 1. Compact only: merge the small fragments every write leaves behind into a few large ones.
    const start = await table.version();
    const compacted = await retryConflicts(() => store.writeGate.write(() => table.optimize({ cleanupOlderThan: NOTHING_OLDER_THAN })));
    // Compaction may commit more than one version; those are not the table's history before the run.
    const committed = (await table.version()) - start;
    if (options.cleanup === false) {
      return {
        name,
        versionsBefore: start,
        versionsRemoved: 0,
        fragmentsCompacted: compacted.compaction.fragmentsRemoved,
        fragmentsAdded: compacted.compaction.fragmentsAdded,
        bytesRemoved: 0,
      };
    }
    // 2. Then remove old versions, keeping those a read may still be using (see cleanupCutoff).
    const versions = await table.listVersions();
    const cutoff = cleanupCutoff(versions, now(), options.graceSeconds);
    // Also queued: it compacts what was written since step 1 before it prunes.
    const pruned = cutoff ? await retryConflicts(() => store.writeGate.write(() => table.optimize({ cleanupOlderThan: cutoff }))) : null;
    return {
      name,
      versionsBefore: versions.length - committed,
      versionsRemoved: compacted.prune.oldVersionsRemoved + (pruned?.prune.oldVersionsRemoved ?? 0),
      fragmentsCompacted: compacted.compaction.fragmentsRemoved + (pruned?.compaction.fragmentsRemoved ?? 0),
      fragmentsAdded: compacted.compaction.fragmentsAdded + (pruned?.compaction.fragmentsAdded ?? 0),
      bytesRemoved: compacted.prune.bytesRemoved + (pruned?.prune.bytesRemoved ?? 0),
    };
  });
}

/**
 * One upkeep run: repairs duplicate likes, then compacts every table and removes the versions no
 * read can need any more. Safe beside live readers and writers (see cleanupCutoff); two runs on one
 * store at once are not harmful but wasteful and may fail on a commit conflict, which is why only
 * one instance runs upkeep (see MaintenanceLock and docs/store-maintenance.md).
 */
export async function optimizeStore(store: Store, options: OptimizeStoreOptions): Promise<UpkeepStats> {
  if (!Number.isFinite(options.graceSeconds) || options.graceSeconds < 0) {
    throw new StoreInputError(`grace must be a number of seconds ≥ 0, got ${String(options.graceSeconds)}`);
  }
  const started = performance.now();
  // A store lacks them only until its first full run; the compactions in between skip the check.
  const indicesCreated = options.cleanup === false ? [] : await ensureLookupIndices(store);
  // Repair first, so the compaction that follows also folds in the repair's deletions.
  const chosen = (Object.entries(store.tables) as Array<[TableName, Table]>).filter(
    ([name]) => options.tables === undefined || options.tables.includes(name),
  );
  const duplicatesRepaired =
    options.cleanup === false || !chosen.some(([name]) => name === 'likes')
      ? 0
      : await repairDuplicateLikes(store, { since: options.repairSince ?? null });
  const tables: TableUpkeep[] = [];
  for (const [name, table] of chosen) tables.push(await upkeepTable(store, name, table, options));
  return { tables, duplicatesRepaired, indicesCreated, seconds: (performance.now() - started) / 1000 };
}
