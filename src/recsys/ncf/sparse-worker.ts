import { parentPort, workerData } from 'node:worker_threads';
import { ReelrecError } from '../../errors.js';
import { type EpochPlan, runEpochOnThread } from './sparse-epoch.js';
import { CONTROL, type EpochBuffers, epochViews, type SparseBuffers, sparseViews } from './sparse-state.js';
import { stepScratch } from './sparse-step.js';

/**
 * One thread of the sparse NeuMF trainer (spawned by SparseTrainer from dist/). It runs whole
 * epochs on the shared weights in lock step with the other threads and posts back its loss;
 * thread 0 also reports batches done, so the main thread can show progress while it stays free.
 */
export interface EpochRequest {
  epoch: EpochBuffers;
  plan: EpochPlan;
  /** Thread 0 posts a progress message every this many batches. */
  reportEvery: number;
}

export type WorkerReply = { type: 'progress'; batches: number } | { type: 'done'; loss: number } | { type: 'aborted' };

const { buffers, thread } = workerData as { buffers: SparseBuffers; thread: number };
const views = sparseViews(buffers);
const scratch = stepScratch(views);
const port = parentPort;
if (!port) throw new Error('sparse-worker must run in a worker thread');

port.on('message', (request: EpochRequest) => {
  try {
    let reported = 0;
    const loss = runEpochOnThread(views, thread, epochViews(request.epoch), request.plan, scratch, (done) => {
      if (thread !== 0 || done - reported < request.reportEvery) return;
      port.postMessage({ type: 'progress', batches: done - reported } satisfies WorkerReply);
      reported = done;
    });
    port.postMessage({ type: 'done', loss } satisfies WorkerReply);
  } catch (error) {
    // Released by another thread's failure: that thread reports the cause, this one only stops,
    // so the epoch is rejected with the real error whichever thread's message arrives first.
    if (error instanceof ReelrecError && error.code === 'trainer_aborted') {
      port.postMessage({ type: 'aborted' } satisfies WorkerReply);
      return;
    }
    // Release the other threads from the barrier before this one dies.
    Atomics.store(views.control, CONTROL.abort, 1);
    Atomics.notify(views.control, CONTROL.generation);
    throw error;
  }
});
