import './env.js';
import { Index, type Table } from '@lancedb/lancedb';
import type { Store } from './connect.js';
import { guard, StoreInputError } from './errors.js';
import { num, type RawRow } from './rows.js';
import { toVector } from './vector.js';

/**
 * Below this many rows an index is not worth building: flat search is exact and already takes
 * milliseconds. (0.31.0 builds HNSW_SQ even on one row but fails on an empty table, and IVF
 * training elsewhere in LanceDB wants 256 rows per partition.)
 */
export const MIN_INDEX_ROWS = 256;

export interface IndexRecallOptions {
  /** Default MIN_INDEX_ROWS. */
  minRows?: number;
  /** Keep the HNSW_SQ index on `movies` afterwards; by default it is dropped so searches stay exact. */
  keepIndex?: boolean;
}

export type IndexRecallResult =
  | {
      skipped: false;
      rows: number;
      queries: number;
      k: number;
      indexBuildMs: number;
      flatMedianMs: number;
      flatP99Ms: number;
      indexedMedianMs: number;
      indexedP99Ms: number;
      /** Mean over queries of |indexed top-k ∩ flat top-k| / |flat top-k|. */
      recallAtK: number;
    }
  | { skipped: true; rows: number; minRows: number; reason: string };

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

async function timedSearches(
  table: Table,
  queries: readonly Float32Array[],
  k: number,
  flat: boolean,
): Promise<{ ids: number[][]; ms: number[] }> {
  const run = async (q: Float32Array): Promise<number[]> => {
    const query = table.vectorSearch(q).distanceType('cosine').select(['id', '_distance']).limit(k);
    const rows: RawRow[] = await (flat ? query.bypassVectorIndex() : query).toArray();
    return rows.map((r) => num(r, 'id'));
  };
  // One untimed search first, so opening the index or data files is not billed to the first query.
  if (queries[0] !== undefined) await run(queries[0]);
  const ids: number[][] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const start = performance.now();
    ids.push(await run(q));
    ms.push(performance.now() - start);
  }
  return { ids, ms: ms.sort((a, b) => a - b) };
}

/**
 * Compares exact (flat) cosine search on `movies` with an HNSW_SQ index: latency and recall@k of the
 * indexed top-k against the flat top-k. Builds the index (replacing any vector index on the table).
 */
export async function measureIndexRecall(
  store: Store,
  queries: readonly Float32Array[],
  k: number,
  options: IndexRecallOptions = {},
): Promise<IndexRecallResult> {
  if (!Number.isInteger(k) || k <= 0) throw new StoreInputError(`k must be a positive integer, got ${k}`);
  if (queries.length === 0) throw new StoreInputError('measureIndexRecall needs at least one query');
  const vectors = queries.map((q, i) => toVector(q, store.dimension, `recall query ${i}`));
  const minRows = options.minRows ?? MIN_INDEX_ROWS;
  const table = store.tables.movies;
  return guard('measureIndexRecall', async () => {
    const rows = await table.countRows();
    if (rows < minRows) {
      return { skipped: true, rows, minRows, reason: `movies has ${rows} rows; an index needs at least ${minRows} to be worth building` };
    }
    const flat = await timedSearches(table, vectors, k, true);
    const buildStart = performance.now();
    await table.createIndex('vector', { config: Index.hnswSq({ distanceType: 'cosine' }), replace: true });
    const indexBuildMs = performance.now() - buildStart;
    try {
      const indexed = await timedSearches(table, vectors, k, false);
      let recallSum = 0;
      flat.ids.forEach((truth, i) => {
        const got = new Set(indexed.ids[i]);
        recallSum += truth.length === 0 ? 1 : truth.filter((id) => got.has(id)).length / truth.length;
      });
      return {
        skipped: false,
        rows,
        queries: vectors.length,
        k,
        indexBuildMs,
        flatMedianMs: percentile(flat.ms, 0.5),
        flatP99Ms: percentile(flat.ms, 0.99),
        indexedMedianMs: percentile(indexed.ms, 0.5),
        indexedP99Ms: percentile(indexed.ms, 0.99),
        recallAtK: recallSum / vectors.length,
      };
    } finally {
      if (!options.keepIndex) {
        for (const index of await table.listIndices()) {
          if (index.columns.includes('vector')) await table.dropIndex(index.name);
        }
      }
    }
  });
}
