import { attachKernels, placeInKernelMemory, sharedBytes } from './kernels/index.js';
import { type RankAnswer, type RankingModel, rankInline } from './rank.js';
import { type RankPool, startRankPool } from './rank-pool.js';
import { buildSharedTwoStageIndex } from './two-stage.js';

export interface RankingOptions {
  /** Worker threads ranking cache misses; 0 = inline on the calling thread (REELREC_RANK_WORKERS=0). */
  workers: number;
  /** The built worker entry (tests run sources, so they point it at dist/). */
  workerUrl?: URL;
}

/** Where fresh answers are ranked, and the model the service itself should read (the shared copy when pooled). */
export interface Ranking {
  rank: RankAnswer;
  model: RankingModel;
  pool: RankPool | null;
  /** One line for the start-up log: which mode is active. */
  description: string;
  close(): Promise<void>;
}

/**
 * Inline or pooled ranking of fresh answers. Either way the model's typed arrays are copied once
 * into one shared WebAssembly memory that the main thread and every worker read, and where the
 * ranker's SIMD kernels run (the service is given that copy, so the first one can be collected);
 * a pool that cannot start is an error, never a silent fallback to ranking inline.
 */
export async function startRanking(model: RankingModel, options: RankingOptions): Promise<Ranking> {
  const twoStage =
    model.ranking === 'full'
      ? undefined
      : (model.twoStage ?? buildSharedTwoStageIndex(model.parts, { neighbours: model.neighbours ?? null }));
  const placed = placeInKernelMemory(twoStage ? { ...model, twoStage } : model, options.workers + 1);
  attachKernels(placed.memory, 0);
  const shared = placed.value;
  const megabytes = (sharedBytes(shared) / 2 ** 20).toFixed(1);
  const kernels = `WebAssembly SIMD kernels over ${megabytes} MB of shared model`;
  if (options.workers === 0) {
    return {
      rank: rankInline(shared),
      model: shared,
      pool: null,
      description: `ranking fresh answers inline on the main thread (REELREC_RANK_WORKERS=0) with ${kernels}`,
      close: async () => {},
    };
  }
  const pool = await startRankPool({
    model: shared,
    memory: placed.memory,
    size: options.workers,
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
  });
  return {
    rank: (request) => pool.rank(request),
    model: shared,
    pool,
    description: `ranking fresh answers on ${options.workers} worker thread${options.workers === 1 ? '' : 's'} with ${kernels}`,
    close: () => pool.close(),
  };
}
