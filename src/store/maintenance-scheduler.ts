import type { Store } from './connect.js';
import { optimizeStore, type UpkeepStats } from './maintenance.js';
import type { MaintenanceLock } from './maintenance-lock.js';
import type { TableName } from './schema.js';

/** pino's (details, message) shape, so a pino logger fits as is. */
export interface MaintenanceLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface MaintenanceOptions {
  /** How often the tables' versions are looked at (ms); a version check is one small read per table. */
  checkMs: number;
  /** New versions of one table since the last run that start a run at once. */
  versionsTrigger: number;
  /** Longest wait before a run once anything was written (seconds). */
  intervalSeconds: number;
  graceSeconds: number;
  /**
   * How often the duplicate repair reads every like (seconds); the runs in between read only the
   * people written to since the previous repair. Default 600.
   */
  fullRepairSeconds?: number;
  /** The local store's lease; null where this instance was told to run upkeep (object stores). */
  lock: MaintenanceLock | null;
  log: MaintenanceLog;
}

export interface Maintenance {
  /** Runs upkeep now (after a run in progress), unless another process holds the lock: then null. */
  runNow(): Promise<UpkeepStats | null>;
  /** Stops polling, waits for a run in progress, and releases the lock. */
  stop(): Promise<void>;
  readonly runs: number;
}

async function versions(store: Store): Promise<Map<TableName, number>> {
  const out = new Map<TableName, number>();
  for (const [name, table] of Object.entries(store.tables) as Array<[TableName, Store['tables'][TableName]]>) {
    out.set(name, await table.version());
  }
  return out;
}

/**
 * Runs optimizeStore (a full run at most once per grace period, compaction only in between) whenever a table advanced `versionsTrigger` versions since the last run, or
 * `intervalSeconds` after the last run when anything advanced at all — never two runs at once.
 * The baseline is the versions seen just *before* a run, so a run's own compaction commit counts
 * as an advance: one more run follows after the interval and removes the files that compaction
 * replaced (they were still the latest version's during the first run's grace period), and then
 * a quiet store stays quiet.
 */
export function startMaintenance(store: Store, options: MaintenanceOptions): Maintenance {
  const { log, lock } = options;
  let baseline: Map<TableName, number> | null = null;
  let lastRun = Date.now();
  let running: Promise<UpkeepStats | null> | null = null;
  let stopped = false;
  let runs = 0;
  let lockedLogged = false;
  // Cleanup keeps every version replaced within the grace period, so cleaning up more often than
  // that finds little; it reads every manifest, while compaction alone is cheap. Runs in between compact only.
  let lastCleanup = 0;
  // When the last repair started (null: none yet, so the first is full) and the last full one did.
  let lastRepair: number | null = null;
  let lastFullRepair = 0;
  const fullRepairMs = (options.fullRepairSeconds ?? 600) * 1000;

  const run = async (before: Map<TableName, number>): Promise<UpkeepStats | null> => {
    if (lock && !(await lock.acquire())) {
      if (!lockedLogged) log.info({ lock: lock.file, holder: await lock.holder() }, 'store upkeep runs in another process');
      lockedLogged = true;
      lastRun = Date.now();
      return null;
    }
    lockedLogged = false;
    try {
      const started = Date.now();
      const cleanup = started - lastCleanup >= Math.max(1, options.graceSeconds) * 1000;
      // A cleanup looks at every table (one left out now may hold versions an earlier run replaced).
      const advanced =
        baseline && !cleanup ? [...before].filter(([name, v]) => v !== baseline?.get(name)).map(([name]) => name) : undefined;
      const fullRepair = lastRepair === null || started - lastFullRepair >= fullRepairMs;
      // Back past the previous repair by twice the grace: writers' clocks may differ by up to the grace.
      const repairSince = fullRepair || lastRepair === null ? null : new Date(lastRepair - 2 * options.graceSeconds * 1000);
      const stats = await optimizeStore(store, {
        graceSeconds: options.graceSeconds,
        cleanup,
        repairSince,
        ...(advanced ? { tables: advanced } : {}),
      });
      if (cleanup) {
        lastCleanup = Date.now();
        lastRepair = started;
        if (fullRepair) lastFullRepair = started;
      }
      baseline = before;
      runs += 1;
      log.info(
        {
          seconds: Number(stats.seconds.toFixed(2)),
          duplicatesRepaired: stats.duplicatesRepaired,
          ...(cleanup ? { repair: fullRepair ? 'every like' : 'people written since the last' } : {}),
          ...(stats.indicesCreated.length > 0 ? { indicesCreated: stats.indicesCreated } : {}),
          versionsRemoved: stats.tables.reduce((n, t) => n + t.versionsRemoved, 0),
          fragmentsCompacted: stats.tables.reduce((n, t) => n + t.fragmentsCompacted, 0),
          cleanup,
        },
        'store upkeep done',
      );
      return stats;
    } catch (error) {
      // Tried again after the interval (not at once: a failing store would be hammered every check).
      log.warn({ error: error instanceof Error ? error.message : String(error) }, 'store upkeep failed');
      return null;
    } finally {
      lastRun = Date.now();
    }
  };

  const start = (before: Map<TableName, number>): Promise<UpkeepStats | null> => {
    const current = run(before).finally(() => {
      running = null;
    });
    running = current;
    return current;
  };

  const check = async () => {
    if (running || stopped) return;
    const now = await versions(store);
    if (!baseline) {
      baseline = now;
      return;
    }
    let most = 0;
    for (const [name, v] of now) most = Math.max(most, v - (baseline.get(name) ?? v));
    const due = most >= options.versionsTrigger || (most > 0 && Date.now() - lastRun >= options.intervalSeconds * 1000);
    if (due && !running && !stopped) await start(now);
  };

  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'store version check failed'))
      .finally(() => {
        checking = false;
      });
  }, options.checkMs);
  timer.unref();

  return {
    async runNow() {
      if (running) await running.catch(() => undefined);
      return start(await versions(store));
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running.catch(() => undefined);
      await lock?.release();
    },
    get runs() {
      return runs;
    },
  };
}
