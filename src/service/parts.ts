import type { Catalogue, MovieLensDataset, RatingsTable } from '../recsys/data/types.js';
import type { NeuMF } from '../recsys/ncf/neumf.js';
import type { MovieEmbeddings } from '../recsys/profiles/vectors.js';
import type { ServiceArtifact } from './artifact.js';
import { checkServedNeumf, foldInOf } from './fold-in-artifact.js';
import { type HybridParts, popularityPrior, SIGNAL_DEFAULTS } from './hybrid.js';
import { type Ranking, type RankingOptions, startRanking } from './ranking.js';
import { createRecommendationService } from './service.js';
import { buildGenreModel } from './signals/genre.js';
import { fitSparseItemItem, type SparseItemItem, type SparseItemItemOptions } from './signals/sparse-item-item.js';
import type { RecommendationService } from './types.js';

/** Ratings per movie in `ratings` (catalogue order). */
export function ratingCounts(ratings: RatingsTable): Uint32Array {
  const counts = new Uint32Array(ratings.itemIds.length);
  for (let r = 0; r < ratings.length; r++) counts[ratings.item[r] as number] = (counts[ratings.item[r] as number] as number) + 1;
  return counts;
}

/**
 * Assembles every precomputed structure a request reads, from what the build made: the ratings,
 * the trained NeuMF, the movie embeddings. Item-item and the fold-in's one-pick vectors are fitted
 * here (seconds) unless `itemItem` / `perPick` pass saved ones.
 */
export function assembleParts(
  catalogue: Catalogue,
  ratings: RatingsTable,
  neumf: NeuMF,
  movies: MovieEmbeddings,
  options: { itemItemOptions?: SparseItemItemOptions; itemItem?: SparseItemItem; perPick?: Float32Array } = {},
): HybridParts {
  const foldIn = foldInOf(neumf, trainedUsers(ratings), options.perPick);
  return {
    nItems: catalogue.movies.length,
    popularity: popularityPrior(ratingCounts(ratings)),
    movies,
    genres: buildGenreModel(catalogue, movies),
    foldIn,
    itemItem: options.itemItem ?? fitSparseItemItem(ratings, options.itemItemOptions),
  };
}

/** 1 for users with at least one rating: only they shape the fold-in starting point. */
export function trainedUsers(ratings: RatingsTable): Uint8Array {
  const has = new Uint8Array(ratings.userIds.length);
  for (let r = 0; r < ratings.length; r++) has[ratings.user[r] as number] = 1;
  return has;
}

/** What a build leaves for the service: the dataset, its NeuMF, movie vectors and the service artefact. */
export interface BuiltPieces {
  data: MovieLensDataset;
  neumf: NeuMF;
  movies: MovieEmbeddings;
  artifact: ServiceArtifact;
  /** Who made the movie vectors, e.g. `hashing hashing-v1-256`. */
  embedder: string;
}

/** The service built from pieces, with where its fresh answers are ranked; `close()` stops the rank workers. */
export interface PiecesService {
  service: RecommendationService;
  /** The parts the service reads (in shared memory when ranking is pooled). */
  parts: HybridParts;
  ranking: Ranking;
  close(): Promise<void>;
}

/**
 * Assembles the parts and the service from built pieces: the one wiring both start-up and tests use.
 * Ranking is inline unless `ranking.workers` asks for the worker pool (serving passes REELREC_RANK_WORKERS).
 */
export async function serviceFromPieces(pieces: BuiltPieces, ranking: RankingOptions = { workers: 0 }): Promise<PiecesService> {
  const { data, neumf, movies, artifact } = pieces;
  checkServedNeumf(artifact.manifest.foldIn, neumf);
  const assembled = assembleParts(data.catalogue, data.ratings, neumf, movies, { itemItem: artifact.itemItem, perPick: artifact.perPick });
  const started = await startRanking(
    { parts: assembled, catalogue: data.catalogue, blend: artifact.blend, settings: SIGNAL_DEFAULTS, neighbours: artifact.neighbours },
    ranking,
  );
  const { parts, blend, settings, neighbours } = started.model;
  const service = createRecommendationService(
    {
      dataset: data.name,
      catalogue: data.catalogue,
      ratings: data.ratings,
      parts,
      blend,
      settings,
      ...(neighbours ? { neighbours } : {}),
      neumf,
      knownUser: artifact.knownUser,
      embedder: pieces.embedder,
      backend: neumf.manifest.backend,
    },
    started.rank,
  );
  return { service, parts, ranking: started, close: () => started.close() };
}
