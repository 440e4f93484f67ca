import type { Table } from '@lancedb/lancedb';
import { type EmbedderInfo, StoreEmbedderMismatchError, StoreSchemaError } from './errors.js';
import { type RawRow, str } from './rows.js';
import { SCHEMA_VERSION } from './schema.js';

export const META_KEYS = {
  schemaVersion: 'schema_version',
  embedderId: 'embedder_id',
  embedderModel: 'embedder_model',
  embedderDimension: 'embedder_dimension',
  createdAt: 'created_at',
} as const;

export interface StoreMeta {
  schemaVersion: number;
  embedder: EmbedderInfo;
  createdAt: string;
}

export async function readMetaRows(table: Table): Promise<Map<string, string>> {
  const rows: RawRow[] = await table.query().select(['key', 'value']).toArray();
  return new Map(rows.map((r) => [str(r, 'key'), str(r, 'value')]));
}

export function metaRows(embedder: EmbedderInfo, createdAt: Date): Array<{ key: string; value: string }> {
  return [
    { key: META_KEYS.schemaVersion, value: String(SCHEMA_VERSION) },
    { key: META_KEYS.embedderId, value: embedder.id },
    { key: META_KEYS.embedderModel, value: embedder.model },
    { key: META_KEYS.embedderDimension, value: String(embedder.dimension) },
    { key: META_KEYS.createdAt, value: createdAt.toISOString() },
  ];
}

function parseVersion(raw: string | undefined): number | null {
  if (raw === undefined || !/^-?\d+$/.test(raw)) return null;
  return Number(raw);
}

/** The embedder a store's meta rows name (unchecked: checkMeta validates them). */
export function recordedEmbedder(meta: Map<string, string>): EmbedderInfo {
  const id = meta.get(META_KEYS.embedderId) ?? '';
  return { id, model: meta.get(META_KEYS.embedderModel) ?? '', dimension: Number(meta.get(META_KEYS.embedderDimension)) };
}

/** Checks the schema version first: an unreadable layout makes the embedder fields meaningless. */
export function checkMeta(uri: string, meta: Map<string, string>, requested: EmbedderInfo): StoreMeta {
  const version = parseVersion(meta.get(META_KEYS.schemaVersion));
  if (version !== SCHEMA_VERSION) throw new StoreSchemaError(uri, version, SCHEMA_VERSION);
  const id = meta.get(META_KEYS.embedderId);
  const model = meta.get(META_KEYS.embedderModel);
  const dimension = parseVersion(meta.get(META_KEYS.embedderDimension));
  if (id === undefined || model === undefined || dimension === null) {
    throw new StoreSchemaError(uri, version, SCHEMA_VERSION, 'embedder not recorded');
  }
  const stored: EmbedderInfo = { id, model, dimension };
  if (stored.id !== requested.id || stored.model !== requested.model || stored.dimension !== requested.dimension) {
    throw new StoreEmbedderMismatchError(uri, stored, requested);
  }
  return { schemaVersion: version, embedder: stored, createdAt: meta.get(META_KEYS.createdAt) ?? '' };
}
