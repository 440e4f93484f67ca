import './env.js';
import { connect, Index } from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, Schema } from 'apache-arrow';
import type { Progress } from '../progress.js';
import { guard, StoreInputError } from './errors.js';
import { MIN_INDEX_ROWS } from './index-recall.js';
import { num, type RawRow } from './rows.js';

/**
 * Each movie's nearest movies by an item vector (text embedding, collaborative factors), found with
 * a LanceDB ANN index (HNSW_SQ, cosine) and kept as compact lists, so the two-stage request path
 * reads them instead of searching: a bounded, synchronous read per pick. The index's recall@k
 * against exact (flat) search is measured on a sample of the movies, at the `ef` the lists use.
 */
export interface ItemNeighbourOptions {
  /** Neighbours kept per movie. */
  k: number;
  /** HNSW search breadth; higher is closer to exact and slower. */
  ef: number;
  /** Movies the recall is measured on (spread over the catalogue). */
  recallQueries: number;
}

export const ITEM_NEIGHBOUR_DEFAULTS: ItemNeighbourOptions = { k: 30, ef: 100, recallQueries: 200 };

export interface ItemNeighbourLists {
  offsets: Uint32Array;
  targets: Uint32Array;
  /** Mean |ANN top-k ∩ flat top-k| / k over the measured movies (1 when the table is too small to index). */
  recallAtK: number;
  indexed: boolean;
  indexBuildMs: number;
  queryMsP50: number;
  seconds: number;
}

function schema(dim: number): Schema {
  return new Schema([
    new Field('item', new Int32(), false),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
  ]);
}

/**
 * Writes `vectors` (nItems × dim, catalogue order; all-zero rows are movies without a vector and get
 * no neighbours) as table `name` under `uri`, indexes it, and returns every movie's k nearest.
 */
export async function itemNeighbours(
  uri: string,
  name: string,
  vectors: Float32Array,
  dim: number,
  options: ItemNeighbourOptions = ITEM_NEIGHBOUR_DEFAULTS,
  progress?: Progress,
): Promise<ItemNeighbourLists> {
  if (dim <= 0 || vectors.length % dim !== 0) throw new StoreInputError(`item vectors: ${vectors.length} values are not rows of ${dim}`);
  // The search asks for k + 1 rows (the movie itself comes back first); HNSW refuses ef below that.
  if (options.ef < options.k + 1) throw new StoreInputError(`item neighbours: ef ${options.ef} must be at least k + 1 = ${options.k + 1}`);
  const started = performance.now();
  const nItems = vectors.length / dim;
  const present: number[] = [];
  for (let i = 0; i < nItems; i++) if (vectors.subarray(i * dim, (i + 1) * dim).some((x) => x !== 0)) present.push(i);
  progress?.setTotal(present.length);
  return guard('itemNeighbours', async () => {
    const db = await connect(uri);
    try {
      const rows = present.map((i) => ({ item: i, vector: Array.from(vectors.subarray(i * dim, (i + 1) * dim)) }));
      const table = await db.createTable(name, rows, { schema: schema(dim), mode: 'overwrite' });
      let indexBuildMs = 0;
      const indexed = present.length >= MIN_INDEX_ROWS;
      if (indexed) {
        const t = performance.now();
        await table.createIndex('vector', { config: Index.hnswSq({ distanceType: 'cosine' }), replace: true });
        indexBuildMs = performance.now() - t;
      }
      const search = async (i: number, flat: boolean): Promise<number[]> => {
        let query = table
          .vectorSearch(vectors.subarray(i * dim, (i + 1) * dim))
          .distanceType('cosine')
          .select(['item', '_distance'])
          .limit(options.k + 1);
        query = flat || !indexed ? query.bypassVectorIndex() : query.ef(options.ef);
        const hits: RawRow[] = await query.toArray();
        return hits
          .map((r) => num(r, 'item'))
          .filter((j) => j !== i)
          .slice(0, options.k);
      };
      const offsets = new Uint32Array(nItems + 1);
      const lists: number[][] = Array.from({ length: nItems }, () => []);
      const ms: number[] = [];
      for (const i of present) {
        const t = performance.now();
        lists[i] = await search(i, false);
        ms.push(performance.now() - t);
        progress?.increment();
      }
      for (let i = 0; i < nItems; i++) offsets[i + 1] = (offsets[i] as number) + (lists[i]?.length ?? 0);
      const targets = Uint32Array.from(lists.flat());
      const recallAtK = await measuredRecall(present, lists, options, search);
      ms.sort((a, b) => a - b);
      return {
        offsets,
        targets,
        recallAtK,
        indexed,
        indexBuildMs,
        queryMsP50: ms[Math.floor(ms.length / 2)] ?? 0,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      db.close();
    }
  });
}

async function measuredRecall(
  present: readonly number[],
  lists: readonly number[][],
  options: ItemNeighbourOptions,
  search: (i: number, flat: boolean) => Promise<number[]>,
): Promise<number> {
  if (present.length === 0) return 1;
  const step = Math.max(1, Math.floor(present.length / options.recallQueries));
  let sum = 0;
  let n = 0;
  for (let q = 0; q < present.length && n < options.recallQueries; q += step) {
    const i = present[q] as number;
    const truth = await search(i, true);
    const got = new Set(lists[i]);
    sum += truth.length === 0 ? 1 : truth.filter((j) => got.has(j)).length / truth.length;
    n++;
  }
  return sum / n;
}

/** Two neighbour lists per movie interleaved (a's first, b's first, a's second, …), duplicates dropped. */
export function interleaveNeighbours(
  a: { offsets: Uint32Array; targets: Uint32Array },
  b: { offsets: Uint32Array; targets: Uint32Array },
): { offsets: Uint32Array; targets: Uint32Array } {
  const nItems = a.offsets.length - 1;
  const rows: number[][] = [];
  for (let i = 0; i < nItems; i++) {
    const ra = Array.from(a.targets.subarray(a.offsets[i], a.offsets[i + 1]));
    const rb = Array.from(b.targets.subarray(b.offsets[i], b.offsets[i + 1]));
    const row: number[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < Math.max(ra.length, rb.length); k++) {
      for (const j of [ra[k], rb[k]]) {
        if (j === undefined || seen.has(j)) continue;
        seen.add(j);
        row.push(j);
      }
    }
    rows.push(row);
  }
  const offsets = new Uint32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) offsets[i + 1] = (offsets[i] as number) + (rows[i]?.length ?? 0);
  return { offsets, targets: Uint32Array.from(rows.flat()) };
}
