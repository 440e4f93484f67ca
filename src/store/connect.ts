import './env.js';
import { type Connection, connect, Session, type Table } from '@lancedb/lancedb';
import { ConfigError } from '../errors.js';
import { type EmbedderInfo, guard, StoreNotBuiltError, StoreSchemaError } from './errors.js';
import { ensureLookupIndices } from './lookup-indices.js';
import { checkMeta, metaRows, readMetaRows, recordedEmbedder } from './meta.js';
import { dataTableSchemas, metaSchema, SCHEMA_VERSION, TABLES, type TableName } from './schema.js';
import { WriteGate } from './write-gate.js';

export interface OpenStoreOptions {
  /** A local folder such as `data/lancedb`, or an object-store URI (`az://`, `s3://`, `gs://`). */
  uri: string;
  /** Passed to LanceDB unchanged, e.g. `account_name` / `account_key` for `az://`. */
  storageOptions?: Record<string, string>;
  /**
   * How stale a read may be, in seconds, when other processes write the same store (several app
   * instances on one az:// store). 0, the default, checks for newer versions on every read.
   */
  readConsistencySeconds?: number;
  dimension: number;
  embedder: EmbedderInfo;
  /**
   * Drop the store's own tables and start empty; this is how `reelrec build` replaces a store made by
   * another embedder or schema version. Tables that are not the store's are left alone.
   */
  overwrite?: boolean;
}

export interface Store {
  readonly uri: string;
  readonly dimension: number;
  readonly embedder: EmbedderInfo;
  /** ISO time the store was first created. */
  readonly createdAt: string;
  /** True when this call created the store (fresh folder or `overwrite`). */
  readonly created: boolean;
  readonly db: Connection;
  readonly tables: Readonly<Record<TableName, Table>>;
  /** This process's deletes, upserts and compactions, one commit at a time (see WriteGate). */
  readonly writeGate: WriteGate;
  /** This process's appends, one commit at a time: beside the writeGate's, since an append conflicts with none of those. */
  readonly appendGate: WriteGate;
  /** Bytes LanceDB holds in its caches for this store (bounded by STORE_CACHE_BYTES). */
  cacheBytes(): number;
  close(): void;
}

/**
 * What LanceDB may keep in memory per connection. Its defaults (6 GB of index cache, 1 GB of
 * metadata) fill up as writes make new versions, files and index generations: a server grew by
 * ~40 MB per 1,000 like writes and passed 2.8 GB after 50,000. The store's working set (the
 * lookup indices, the live versions' manifests) is a few MB, far under these bounds.
 */
export const STORE_CACHE_BYTES = { index: 128 * 2 ** 20, metadata: 128 * 2 ** 20 };

function connectionOptions(storageOptions?: Record<string, string>, readConsistencySeconds = 0) {
  // The session goes in the options: lancedb 0.31's connect() ignores its third argument.
  const session = new Session(BigInt(STORE_CACHE_BYTES.index), BigInt(STORE_CACHE_BYTES.metadata));
  return { readConsistencyInterval: readConsistencySeconds, session, ...(storageOptions ? { storageOptions } : {}) };
}

function checkOptions(options: OpenStoreOptions): void {
  const { dimension, embedder } = options;
  if (!Number.isInteger(dimension) || dimension <= 0)
    throw new ConfigError('store dimension', `must be a positive integer, got ${dimension}`);
  if (embedder.dimension !== dimension) {
    throw new ConfigError('store dimension', `${dimension} differs from embedder ${embedder.id} dimension ${embedder.dimension}`);
  }
  if (options.uri.length === 0) throw new ConfigError('store uri', 'is empty');
}

/**
 * Opens (or creates) the store. Everything is checked before anything is written: a store made by
 * another embedder or schema version is refused untouched, so a mistaken flag cannot damage it.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  process.env.LANCEDB_LOG ??= 'error';
  checkOptions(options);
  const { uri, dimension } = options;
  const embedder: EmbedderInfo = { id: options.embedder.id, model: options.embedder.model, dimension: options.embedder.dimension };
  return guard('open', async () => {
    const connection = connectionOptions(options.storageOptions, options.readConsistencySeconds);
    const db = await connect(uri, connection);
    try {
      const ours = new Set<string>(Object.values(TABLES));
      const existing = (await db.tableNames()).filter((n) => ours.has(n));
      if (options.overwrite) {
        for (const name of existing) await db.dropTable(name);
        existing.length = 0;
      }
      let created = false;
      let createdAt: string;
      if (existing.includes(TABLES.meta)) {
        const meta = checkMeta(uri, await readMetaRows(await db.openTable(TABLES.meta)), embedder);
        createdAt = meta.createdAt;
      } else if (existing.length > 0) {
        throw new StoreSchemaError(uri, null, SCHEMA_VERSION, `tables ${existing.join(', ')} but no meta table`);
      } else {
        // meta goes first: a crash after it leaves a valid store whose missing tables the next open creates.
        const now = new Date();
        await db.createTable(TABLES.meta, metaRows(embedder, now), { schema: metaSchema() });
        createdAt = now.toISOString();
        created = true;
      }
      const tables: Partial<Record<TableName, Table>> = { meta: await db.openTable(TABLES.meta) };
      for (const [name, schema] of dataTableSchemas(dimension)) {
        tables[name] = existing.includes(name)
          ? await db.openTable(name)
          : await db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
      }
      const all = tables as Record<TableName, Table>;
      const store: Store = {
        uri,
        dimension,
        embedder,
        createdAt,
        created,
        db,
        tables: all,
        writeGate: new WriteGate(),
        appendGate: new WriteGate(),
        cacheBytes: () => Number(connection.session.sizeBytes()),
        close() {
          for (const t of Object.values(all)) t.close();
          db.close();
        },
      };
      // Older stores get theirs from the next upkeep run (see ensureLookupIndices).
      if (created) await ensureLookupIndices(store);
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  });
}

/**
 * Opens the store a build made, with the embedder recorded in it (readers such as
 * `reelrec genres` do not choose one). A folder without a store is refused with what to run.
 */
export async function openBuiltStore(uri: string, storageOptions?: Record<string, string>): Promise<Store> {
  process.env.LANCEDB_LOG ??= 'error';
  const embedder = await guard('open', async () => {
    const db = await connect(uri, connectionOptions(storageOptions));
    try {
      if (!(await db.tableNames()).includes(TABLES.meta)) return null;
      const meta = await readMetaRows(await db.openTable(TABLES.meta));
      const stored = checkMeta(uri, meta, recordedEmbedder(meta));
      return stored.embedder;
    } finally {
      db.close();
    }
  });
  if (!embedder) throw new StoreNotBuiltError(uri);
  return openStore({ uri, dimension: embedder.dimension, embedder, ...(storageOptions ? { storageOptions } : {}) });
}
