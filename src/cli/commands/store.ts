import path from 'node:path';
import { Command } from 'commander';
import { parseIntFlag } from '../../config.js';
import { lancedbUri, storageOptions } from '../../paths.js';
import {
  isObjectStoreUri,
  MaintenanceLock,
  maintenanceLockFile,
  openBuiltStore,
  optimizeStore,
  type Store,
  type TableName,
} from '../../store/index.js';
import { dirBytes } from '../../util/dir-bytes.js';
import { configFromFlags } from '../options.js';

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFromFlags({});
  const store = await openBuiltStore(lancedbUri(config), storageOptions(config));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const optimizeCommand = new Command('optimize')
  .description('compact every table, remove versions no read needs any more, repair duplicate likes')
  .option('--grace <seconds>', 'keep versions replaced less than this long ago (default: REELREC_MAINTENANCE_GRACE, else 10)')
  .action(async (flags: { grace?: string }) => {
    const config = configFromFlags({});
    const grace = parseIntFlag('--grace', flags.grace, config.maintenanceGraceSeconds, 0, 86_400);
    await withStore(async (store) => {
      // A local store has a lease: refuse while a server (or another optimize) runs upkeep on it.
      const file = maintenanceLockFile(store.uri);
      const lock = file ? new MaintenanceLock(file) : null;
      await lock?.acquireOrThrow();
      try {
        const stats = await optimizeStore(store, { graceSeconds: grace });
        process.stdout.write(
          `${table(
            ['table', 'versions', 'removed', 'fragments merged', 'MB removed'],
            stats.tables.map((t) => [t.name, t.versionsBefore, t.versionsRemoved, t.fragmentsCompacted, megabytes(t.bytesRemoved)]),
          )}\n` +
            `duplicate likes repaired: ${stats.duplicatesRepaired}; ${stats.seconds.toFixed(2)} s (grace ${grace} s)\n` +
            (stats.indicesCreated.length > 0 ? `lookup indices created: ${stats.indicesCreated.join(', ')}\n` : ''),
        );
      } finally {
        await lock?.release();
      }
    });
  });

const statsCommand = new Command('stats').description('versions, rows and (local stores) bytes on disk of each table').action(async () => {
  await withStore(async (store) => {
    const local = !isObjectStoreUri(store.uri);
    const rows: Array<Array<string | number>> = [];
    for (const [name, t] of Object.entries(store.tables) as Array<[TableName, Store['tables'][TableName]]>) {
      const s = await t.stats();
      rows.push([
        name,
        (await t.listVersions()).length,
        s.numRows,
        s.fragmentStats.numFragments,
        local ? megabytes(await dirBytes(path.join(store.uri, `${name}.lance`))) : '-',
      ]);
    }
    process.stdout.write(`${store.uri}\n${table(['table', 'versions', 'rows', 'fragments', 'MB on disk'], rows)}\n`);
  });
});

export const storeCommand = new Command('store')
  .description('the LanceDB store: upkeep and figures')
  .addCommand(optimizeCommand)
  .addCommand(statsCommand);
