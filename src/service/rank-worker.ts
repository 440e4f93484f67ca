/**
 * Entry of a rank worker thread (started by rank-pool.ts from dist/): builds the same ranker the
 * main thread would, over the shared model it was started with, and answers one request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ReelrecError } from '../errors.js';
import { attachKernels } from './kernels/index.js';
import { createRanker } from './rank.js';
import type { FromRankWorker, RankWorkerData, ToRankWorker } from './rank-pool.js';

const port = parentPort;
if (!port) throw new ReelrecError('rank_worker', 'rank-worker.js runs as a worker thread of the rank pool, not on its own');
const data = workerData as RankWorkerData;
if (data.kernels) attachKernels(data.kernels.memory, data.kernels.slot);
const rank = createRanker(data.model);

port.on('message', ({ id, request }: ToRankWorker) => {
  let reply: FromRankWorker;
  try {
    reply = { id, answer: rank(request) };
  } catch (error) {
    const code = error instanceof ReelrecError ? error.code : 'rank_failed';
    reply = { id, error: { code, message: error instanceof Error ? error.message : String(error) } };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies FromRankWorker);
