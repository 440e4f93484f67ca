import type { Config } from '../config.js';
import { lancedbUri } from '../paths.js';
import {
  isObjectStoreUri,
  type Maintenance,
  MaintenanceLock,
  type MaintenanceLog,
  maintenanceLockFile,
  type Store,
  startMaintenance,
} from '../store/index.js';

/**
 * How often the tables' versions are checked. Locally a check is a directory read per table, so it is
 * frequent enough that a burst of writes cannot pile up many versions past the trigger between checks;
 * on an object store each check is a request per table, so it is sparser.
 */
const CHECK_MS = { local: 250, objectStore: 2000 };

/**
 * Whether this instance runs store upkeep. auto: yes for a local store (the lock file in it picks one
 * process), no for an object store, where nothing can lock: there exactly one instance is told `on`,
 * or a scheduled `reelrec store optimize` job does it.
 */
export function maintenanceOn(config: Config): boolean {
  if (config.maintenance !== 'auto') return config.maintenance === 'on';
  return !isObjectStoreUri(lancedbUri(config));
}

/** Starts store upkeep beside the server when the settings say so; null when they do not. */
export function startStoreMaintenance(config: Config, store: Store, log: MaintenanceLog): Maintenance | null {
  if (!maintenanceOn(config)) return null;
  const lockFile = maintenanceLockFile(store.uri);
  return startMaintenance(store, {
    checkMs: lockFile ? CHECK_MS.local : CHECK_MS.objectStore,
    versionsTrigger: config.maintenanceVersions,
    intervalSeconds: config.maintenanceIntervalSeconds,
    graceSeconds: config.maintenanceGraceSeconds,
    lock: lockFile ? new MaintenanceLock(lockFile) : null,
    log,
  });
}
