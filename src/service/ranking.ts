import { type RankAnswer, type RankingModel, rankInline } from './rank.js';
import { type RankPool, startRankPool } from './rank-pool.js';
import { sharedBytes, shareTypedArrays } from './shared-memory.js';

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
 * Inline or pooled ranking of fresh answers. Pooled, the model's typed arrays are copied once into
 * shared memory that the main thread and every worker read (the service is given that copy, so
 * the unshared one can be collected); a pool that cannot start is an error, never a silent
 * fallback to ranking inline.
 */
export async function startRanking(model: RankingModel, options: RankingOptions): Promise<Ranking> {
  if (options.workers === 0) {
    return {
      rank: rankInline(model),
      model,
      pool: null,
      description: 'ranking fresh answers inline on the main thread (REELREC_RANK_WORKERS=0)',
      close: async () => {},
    };
  }
  const shared = shareTypedArrays(model);
  const pool = await startRankPool({
    model: shared,
    size: options.workers,
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
  });
  const megabytes = (sharedBytes(shared) / 2 ** 20).toFixed(1);
  return {
    rank: (request) => pool.rank(request),
    model: shared,
    pool,
    description: `ranking fresh answers on ${options.workers} worker thread${options.workers === 1 ? '' : 's'} over ${megabytes} MB of shared model`,
    close: () => pool.close(),
  };
}
