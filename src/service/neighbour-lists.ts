import { startProgress } from '../progress.js';
import type { NeuMF } from '../recsys/ncf/neumf.js';
import {
  ITEM_NEIGHBOUR_DEFAULTS,
  type ItemNeighbourLists,
  type ItemNeighbourOptions,
  interleaveNeighbours,
  itemNeighbours,
} from '../store/index.js';
import type { NeighbourLists } from './candidates.js';
import { frozenFoldIn } from './signals/fold-in.js';

/** Item vectors, nItems × dim in catalogue order (all-zero rows: movies without one). */
export interface ItemVectors {
  vectors: Float32Array;
  dim: number;
}

/** How one kind of list was made: the recall is what the build logs and the manifest records. */
export interface AnnSummary {
  recallAtK: number;
  indexed: boolean;
  indexBuildMs: number;
  queryMsP50: number;
  seconds: number;
}

export interface AnnNeighbours {
  /** Text and collaborative lists interleaved: what the candidate stage reads. */
  lists: NeighbourLists;
  options: ItemNeighbourOptions;
  text: AnnSummary;
  collaborative: AnnSummary;
}

/** The served fold-in's GMF item factors (scaled by the output layer, so a dot product is the GMF logit). */
export function collaborativeVectors(neumf: NeuMF): ItemVectors {
  const { shape, values } = neumf.weightValues();
  const { gmfItem, factors } = frozenFoldIn(shape, values);
  return { vectors: gmfItem, dim: factors };
}

export function annSummary(lists: ItemNeighbourLists): AnnSummary {
  const { recallAtK, indexed, indexBuildMs, queryMsP50, seconds } = lists;
  return { recallAtK, indexed, indexBuildMs, queryMsP50, seconds };
}

/**
 * Every movie's nearest movies by text vector and by the fold-in's GMF item factors, each from its
 * own LanceDB table (HNSW_SQ, cosine) under `uri`, interleaved. The one path the build and the
 * cold-start bench both take, so the lists the service reads are the lists the bench measured.
 */
export async function annNeighbours(
  uri: string,
  text: ItemVectors,
  collaborative: ItemVectors,
  options: ItemNeighbourOptions = ITEM_NEIGHBOUR_DEFAULTS,
): Promise<AnnNeighbours> {
  const kinds = { text, collaborative };
  const made: Partial<Record<keyof typeof kinds, ItemNeighbourLists>> = {};
  for (const [name, { vectors, dim }] of Object.entries(kinds) as Array<[keyof typeof kinds, ItemVectors]>) {
    const progress = startProgress(`${name} neighbours (LanceDB)`, vectors.length / Math.max(1, dim), 'movies');
    try {
      made[name] = await itemNeighbours(uri, name, vectors, dim, options, progress);
    } finally {
      progress.stop();
    }
  }
  const { text: t, collaborative: c } = made as Record<keyof typeof kinds, ItemNeighbourLists>;
  return { lists: interleaveNeighbours(t, c), options, text: annSummary(t), collaborative: annSummary(c) };
}
