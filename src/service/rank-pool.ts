import { Worker } from 'node:worker_threads';
import { ReelrecError } from '../errors.js';
import { workerScript } from '../util/worker-script.js';
import type { RankedAnswer, RankingModel, RankRequest } from './rank.js';

/** What a rank worker is started with: the model, its typed arrays in shared memory. */
export interface RankWorkerData {
  model: RankingModel;
  /** The kernel memory the model lives in and this worker's scratch slot in it (absent: TypeScript loops). */
  kernels?: { memory: WebAssembly.Memory; slot: number };
}
export type ToRankWorker = { id: number; request: RankRequest };
export type FromRankWorker =
  | { ready: true }
  | { id: number; answer: RankedAnswer }
  | { id: number; error: { code: string; message: string } };

export interface RankPoolOptions {
  /** The model with its typed arrays already shared (placeInKernelMemory): each worker reads the same bytes. */
  model: RankingModel;
  /**
   * The kernel memory `model` was placed in: worker n (1 … size) runs the WebAssembly kernels in
   * its slot n, a replacement in the slot of the worker it replaces. Without it, workers run the
   * kernels' TypeScript references.
   */
  memory?: WebAssembly.Memory;
  size: number;
  /**
   * Requests handed to one worker before it has answered the first (default RANK_POOL_DEPTH). The
   * others wait in the worker's own queue, so it starts the next the moment it answers instead of
   * idling until the main thread hears back and hands it one.
   */
  depth?: number;
  /** The built worker entry; the default is the one beside this file in dist/. */
  workerUrl?: URL;
}

export interface RankPoolStats {
  /** Workers running now. */
  workers: number;
  /** Workers with at least one request handed to them. */
  busy: number;
  /** Requests handed to workers and not answered yet. */
  inFlight: number;
  queued: number;
  /** Workers started since the pool started, replacements included. */
  started: number;
  crashed: number;
}

export interface RankPool {
  rank(request: RankRequest): Promise<RankedAnswer>;
  stats(): RankPoolStats;
  /** Thread ids of the running workers. */
  threadIds(): number[];
  /** Rejects what is queued or in flight, then terminates every worker. */
  close(): Promise<void>;
}

/** The built rank worker beside this module (from dist/ when this runs as TypeScript under tests). */
export const DEFAULT_RANK_WORKER_URL = workerScript(import.meta.url, 'rank-worker.js');
/**
 * Three requests per worker. With one, a worker idles between answering and hearing of the next
 * request, a main-thread round trip that costs most on this 2-core VM (waking a thread takes ~0.1 ms
 * here). Fresh picks through HTTP, 10 connections, alternating runs: depth 1 → 3 gave ml-latest-small
 * ~1,040 → ~1,250 req/s and ml-100k ~1,160 → ~1,300, p99 unchanged; 5 and 8 were no better.
 */
export const RANK_POOL_DEPTH = 3;
/** A replacement that dies before it is ready this many times in a row means the pool cannot work. */
const MAX_FAILED_RESTARTS = 3;

interface Job {
  id: number;
  request: RankRequest;
  resolve(answer: RankedAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  threadId: number;
  ready: boolean;
  /** Handed to this worker, oldest first: it answers them in that order. */
  jobs: Job[];
  /** Why it stopped, when an uncaught error ended it. */
  failure: Error | null;
}

/**
 * Worker threads that rank cache misses over one shared copy of the model. First come first served,
 * each request to the least loaded worker, at most `depth` per worker; a worker that dies fails only
 * the request it was ranking (a clear
 * ReelrecError, never a hang) and is replaced. Resolves once every worker has built its ranker;
 * rejects with `rank_pool_start` when they cannot start (a missing worker file, a model that
 * cannot be cloned), so start-up fails loudly instead of ranking somewhere else.
 */
export async function startRankPool(options: RankPoolOptions): Promise<RankPool> {
  const url = options.workerUrl ?? DEFAULT_RANK_WORKER_URL;
  const depth = options.depth ?? RANK_POOL_DEPTH;
  if (!Number.isInteger(depth) || depth < 1) throw new ReelrecError('rank_pool_start', `depth must be a positive integer, got ${depth}`);
  const memory = options.memory;
  // Slot 0 is the main thread's; each live worker holds one of 1 … size.
  const freeKernelSlots = Array.from({ length: options.size }, (_, n) => options.size - n);
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let started = 0;
  let crashed = 0;
  let failedRestarts = 0;
  let closed = false;
  let broken: ReelrecError | null = null;

  /** The ready worker with the fewest requests, below `depth`; null when all are full. */
  const leastLoaded = (): Slot | null => {
    let best: Slot | null = null;
    for (const slot of slots) {
      if (slot.ready && slot.jobs.length < depth && (!best || slot.jobs.length < best.jobs.length)) best = slot;
    }
    return best;
  };

  const dispatch = (): void => {
    for (let slot = leastLoaded(); slot && queue.length > 0; slot = leastLoaded()) {
      const job = queue.shift() as Job;
      slot.jobs.push(job);
      // Busy workers keep the process alive until they answer; idle ones never hold it open.
      if (slot.jobs.length === 1) slot.worker.ref();
      const message: ToRankWorker = { id: job.id, request: job.request };
      // Copied, not moved: a request a dead worker never started is handed to another one.
      try {
        slot.worker.postMessage(message);
      } catch (error) {
        slot.jobs.pop();
        if (slot.jobs.length === 0) slot.worker.unref();
        job.reject(new ReelrecError('rank_failed', `could not hand the request to a rank worker: ${(error as Error).message}`));
      }
    }
  };

  const spawn = (onReady?: () => void, onFail?: (error: Error) => void): void => {
    const kernelSlot = freeKernelSlots.pop();
    if (kernelSlot === undefined)
      throw new ReelrecError('rank_pool_start', `more rank workers than the pool's ${options.size} kernel slots`);
    const workerData: RankWorkerData = { model: options.model, ...(memory ? { kernels: { memory, slot: kernelSlot } } : {}) };
    const worker = new Worker(url, { workerData, name: 'reelrec-rank' });
    const slot: Slot = { worker, threadId: worker.threadId, ready: false, jobs: [], failure: null };
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
      // The worker answers in the order it was handed requests: the oldest is the one answered.
      const job = slot.jobs[0]?.id === message.id ? slot.jobs.shift() : undefined;
      if (slot.jobs.length === 0) worker.unref();
      if (job && 'answer' in message) job.resolve(message.answer);
      else if (job && 'error' in message) job.reject(new ReelrecError(message.error.code, message.error.message));
      dispatch();
    });
    worker.on('error', (error) => {
      slot.failure = error;
    });
    worker.on('exit', (code) => {
      slots.delete(slot);
      freeKernelSlots.push(kernelSlot);
      const reason = slot.failure ? slot.failure.message : `exit code ${code}`;
      if (!slot.ready) {
        onFail?.(slot.failure ?? new Error(reason));
        if (!onFail && !closed) restartAfterFailedStart(reason);
        return;
      }
      const jobs = slot.jobs.splice(0);
      if (closed) {
        for (const job of jobs) job.reject(new ReelrecError('rank_pool_closed', 'the rank pool was closed before this answer was ready'));
        return;
      }
      crashed++;
      // The worker answers in order, so only the oldest had started: the rest go back to the front.
      const [running, ...waiting] = jobs;
      running?.reject(
        new ReelrecError('rank_worker_crashed', `rank worker ${slot.threadId} stopped while ranking (${reason}); it is being replaced`),
      );
      queue.unshift(...waiting);
      spawn();
      dispatch();
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
      return {
        workers: all.length,
        busy: all.filter((s) => s.jobs.length > 0).length,
        inFlight: all.reduce((n, s) => n + s.jobs.length, 0),
        queued: queue.length,
        started,
        crashed,
      };
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
