import { Worker } from 'node:worker_threads';
import { ReelrecError } from '../errors.js';
import { workerScript } from '../util/worker-script.js';
import type { RankingModel, RankRequest } from './rank.js';
import type { RecommendationAnswer } from './types.js';

/** What a rank worker is started with: the model, its typed arrays in SharedArrayBuffers. */
export interface RankWorkerData {
  model: RankingModel;
}
export type ToRankWorker = { id: number; request: RankRequest };
export type FromRankWorker =
  | { ready: true }
  | { id: number; answer: RecommendationAnswer }
  | { id: number; error: { code: string; message: string } };

export interface RankPoolOptions {
  /** The model with its typed arrays already shared (shareTypedArrays): each worker reads the same bytes. */
  model: RankingModel;
  size: number;
  /** The built worker entry; the default is the one beside this file in dist/. */
  workerUrl?: URL;
}

export interface RankPoolStats {
  /** Workers running now. */
  workers: number;
  busy: number;
  queued: number;
  /** Workers started since the pool started, replacements included. */
  started: number;
  crashed: number;
}

export interface RankPool {
  rank(request: RankRequest): Promise<RecommendationAnswer>;
  stats(): RankPoolStats;
  /** Thread ids of the running workers. */
  threadIds(): number[];
  /** Rejects what is queued or in flight, then terminates every worker. */
  close(): Promise<void>;
}

/** The built rank worker beside this module (from dist/ when this runs as TypeScript under tests). */
export const DEFAULT_RANK_WORKER_URL = workerScript(import.meta.url, 'rank-worker.js');
/** A replacement that dies before it is ready this many times in a row means the pool cannot work. */
const MAX_FAILED_RESTARTS = 3;

interface Job {
  id: number;
  request: RankRequest;
  resolve(answer: RecommendationAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  threadId: number;
  ready: boolean;
  job: Job | null;
  /** Why it stopped, when an uncaught error ended it. */
  failure: Error | null;
}

/**
 * Worker threads that rank cache misses over one shared copy of the model. One request per worker
 * at a time, first come first served; a worker that dies fails only its own request (a clear
 * ReelrecError, never a hang) and is replaced. Resolves once every worker has built its ranker;
 * rejects with `rank_pool_start` when they cannot start (a missing worker file, a model that
 * cannot be cloned), so start-up fails loudly instead of ranking somewhere else.
 */
export async function startRankPool(options: RankPoolOptions): Promise<RankPool> {
  const url = options.workerUrl ?? DEFAULT_RANK_WORKER_URL;
  const workerData: RankWorkerData = { model: options.model };
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let started = 0;
  let crashed = 0;
  let failedRestarts = 0;
  let closed = false;
  let broken: ReelrecError | null = null;

  const dispatch = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      // Busy workers keep the process alive until they answer; idle ones never hold it open.
      slot.worker.ref();
      const message: ToRankWorker = { id: job.id, request: job.request };
      // The exclusion mask is made per request: moved to the worker, not copied.
      const { buffer } = job.request.exclude;
      try {
        slot.worker.postMessage(message, buffer instanceof ArrayBuffer ? [buffer] : []);
      } catch (error) {
        slot.job = null;
        slot.worker.unref();
        job.reject(new ReelrecError('rank_failed', `could not hand the request to a rank worker: ${(error as Error).message}`));
      }
    }
  };

  const spawn = (onReady?: () => void, onFail?: (error: Error) => void): void => {
    const worker = new Worker(url, { workerData, name: 'reelrec-rank' });
    const slot: Slot = { worker, threadId: worker.threadId, ready: false, job: null, failure: null };
    slots.add(slot);
    started++;
    worker.on('message', (message: FromRankWorker) => {
      if ('ready' in message) {
        slot.ready = true;
        failedRestarts = 0;
        worker.unref();
        onReady?.();
        dispatch();
        return;
      }
      const job = slot.job;
      slot.job = null;
      worker.unref();
      if (job && job.id === message.id) {
        if ('answer' in message) job.resolve(message.answer);
        else job.reject(new ReelrecError(message.error.code, message.error.message));
      }
      dispatch();
    });
    worker.on('error', (error) => {
      slot.failure = error;
    });
    worker.on('exit', (code) => {
      slots.delete(slot);
      const reason = slot.failure ? slot.failure.message : `exit code ${code}`;
      if (!slot.ready) {
        onFail?.(slot.failure ?? new Error(reason));
        if (!onFail && !closed) restartAfterFailedStart(reason);
        return;
      }
      const job = slot.job;
      if (closed) {
        job?.reject(new ReelrecError('rank_pool_closed', 'the rank pool was closed before this answer was ready'));
        return;
      }
      crashed++;
      job?.reject(
        new ReelrecError('rank_worker_crashed', `rank worker ${slot.threadId} stopped while ranking (${reason}); it is being replaced`),
      );
      spawn();
    });
  };

  const restartAfterFailedStart = (reason: string): void => {
    failedRestarts++;
    if (failedRestarts < MAX_FAILED_RESTARTS) {
      spawn();
      return;
    }
    if (slots.size > 0) return;
    broken = new ReelrecError('rank_pool_broken', `rank workers keep failing to start from ${url.href} (${reason})`);
    for (const job of queue.splice(0)) job.reject(broken);
  };

  const terminateAll = async (): Promise<void> => {
    await Promise.all([...slots].map((slot) => slot.worker.terminate()));
  };

  try {
    await Promise.all(
      Array.from(
        { length: options.size },
        () =>
          new Promise<void>((resolve, reject) => {
            spawn(resolve, reject);
          }),
      ),
    );
  } catch (error) {
    closed = true;
    await terminateAll();
    throw new ReelrecError('rank_pool_start', `rank workers could not start from ${url.href}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  return {
    rank(request) {
      if (closed) return Promise.reject(new ReelrecError('rank_pool_closed', 'the rank pool is closed'));
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, request, resolve, reject });
        dispatch();
      });
    },
    stats() {
      const all = [...slots];
      return { workers: all.length, busy: all.filter((s) => s.job).length, queued: queue.length, started, crashed };
    },
    threadIds() {
      return [...slots].map((s) => s.threadId);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new ReelrecError('rank_pool_closed', 'the rank pool was closed before this request ran'));
      await terminateAll();
    },
  };
}
