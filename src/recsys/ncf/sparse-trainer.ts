import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ReelrecError } from '../../errors.js';
import { workerScript } from '../../util/worker-script.js';
import type { Rng } from '../random.js';
import { flatLayout, packWeights, unpackWeights } from './flat-layout.js';
import type { Branch, NeuMFShape } from './model.js';
import type { EpochPlan } from './sparse-epoch.js';
import { allocateEpochBuffers, allocateSparseBuffers, CONTROL, type EpochBuffers, type SparseBuffers } from './sparse-state.js';
import type { EpochRequest, WorkerReply } from './sparse-worker.js';
import type { TrainingRows } from './training-rows.js';

/** Threads used when the config says 0: one per core. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

export interface SparseTrainerOptions {
  threads: number;
  batchSize: number;
  l2: number;
  kindWeight: Float32Array;
}

/**
 * Trains NeuMF weights held in shared memory on `threads` worker threads: each batch is split
 * between the threads, their gradients are summed, and the update is lazy Adam on the embedding
 * rows the batch touched plus Adam on the dense layers (see sparse-step.ts). The main thread only
 * prepares epochs and waits, so its event loop stays free. Call close() when done.
 */
export class SparseTrainer {
  private readonly workers: Worker[];
  private readonly buffers: SparseBuffers;
  private epoch: EpochBuffers;
  /** Adam steps taken since the last resetOptimizer (lazy Adam's global step). */
  private steps = 0;
  private failure: Error | null = null;
  private pending: { reject: (error: Error) => void } | null = null;
  private running: number;

  private constructor(
    shape: NeuMFShape,
    private readonly options: SparseTrainerOptions,
  ) {
    this.buffers = allocateSparseBuffers(shape, options.threads, options.batchSize);
    this.epoch = allocateEpochBuffers(0, options.kindWeight);
    const script = workerScript(import.meta.url, 'sparse-worker.js');
    this.running = options.threads;
    this.workers = Array.from({ length: options.threads }, (_, thread) => {
      const worker = new Worker(script, { workerData: { buffers: this.buffers, thread } });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        this.running--;
        if (code !== 0) this.fail(new ReelrecError('trainer_worker', `sparse trainer thread ${thread} exited with code ${code}`));
      });
      return worker;
    });
  }

  static open(shape: NeuMFShape, values: Float32Array[], options: SparseTrainerOptions): SparseTrainer {
    const trainer = new SparseTrainer(shape, options);
    trainer.load(values);
    return trainer;
  }

  /** Replaces the weights (one array per tensor in `weightList` order); only between epochs. */
  load(values: Float32Array[]): void {
    packWeights(flatLayout(this.buffers.shape), values, new Float32Array(this.buffers.params));
  }

  get threads(): number {
    return this.options.threads;
  }

  /** Worker threads not yet exited (0 after close, or after a failure has been handled). */
  get liveWorkers(): number {
    return this.running;
  }

  /** A fresh Adam (zero moments, step 0), as the tfjs trainer makes a new optimizer per phase. */
  resetOptimizer(): void {
    new Float32Array(this.buffers.m).fill(0);
    new Float32Array(this.buffers.v).fill(0);
    new Int32Array(this.buffers.userStep).fill(0);
    new Int32Array(this.buffers.itemStep).fill(0);
    this.steps = 0;
  }

  /** Trains one epoch over `data` in the order `rng` shuffles it; returns the mean batch loss. */
  async runEpoch(
    data: TrainingRows,
    rng: Rng,
    branch: Branch,
    learningRate: number,
    onBatches: (batches: number) => void = () => {},
  ): Promise<number> {
    if (this.failure) throw this.failure;
    this.fillEpoch(data, rng);
    const batches = Math.ceil(data.length / this.options.batchSize);
    if (batches === 0) return 0;
    const plan: EpochPlan = { batchSize: this.options.batchSize, branch, l2: this.options.l2, learningRate, firstStep: this.steps + 1 };
    // Progress every ~1 % of the epoch (at least every 200 batches), so long fits log often.
    const reportEvery = Math.max(1, Math.min(200, Math.floor(batches / 100)));
    const request: EpochRequest = { epoch: this.epoch, plan, reportEvery };
    let reported = 0;
    const losses = await new Promise<number[]>((resolve, reject) => {
      this.pending = { reject };
      const results: number[] = [];
      this.workers.forEach((worker, thread) => {
        const onMessage = (reply: WorkerReply) => {
          if (reply.type === 'progress') {
            reported += reply.batches;
            onBatches(reply.batches);
            return;
          }
          // Stopped by another thread's failure or by close(): they reject the epoch.
          if (reply.type === 'aborted') return;
          worker.off('message', onMessage);
          results[thread] = reply.loss;
          if (results.filter((x) => x !== undefined).length === this.workers.length) resolve(results);
        };
        worker.on('message', onMessage);
        worker.postMessage(request);
      });
    }).finally(() => {
      this.pending = null;
    });
    if (batches > reported) onBatches(batches - reported);
    this.steps += batches;
    return losses.reduce((a, b) => a + b, 0) / batches;
  }

  /** Copies of the trained weights, one array per tensor in `weightList` order. */
  values(): Float32Array[] {
    return unpackWeights(flatLayout(this.buffers.shape), new Float32Array(this.buffers.params));
  }

  async close(): Promise<void> {
    this.abort();
    this.pending?.reject(new ReelrecError('trainer_closed', 'sparse trainer: closed while an epoch was running'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fillEpoch(data: TrainingRows, rng: Rng): void {
    if (new Uint8Array(this.epoch.label).length < data.length) this.epoch = allocateEpochBuffers(data.length, this.options.kindWeight);
    // The same shuffle as the tfjs trainer's, so both see the same batches for a seed.
    const order = rng.shuffle(Uint32Array.from({ length: data.length }, (_, i) => i));
    const user = new Int32Array(this.epoch.user);
    const item = new Int32Array(this.epoch.item);
    const label = new Uint8Array(this.epoch.label);
    const kind = new Uint8Array(this.epoch.kind);
    for (let k = 0; k < data.length; k++) {
      const r = order[k] as number;
      user[k] = data.user[r] as number;
      item[k] = data.item[r] as number;
      label[k] = data.interaction[r] as number;
      kind[k] = data.kind[r] as number;
    }
    this.epoch = { ...this.epoch, length: data.length };
  }

  private abort(): void {
    const control = new Int32Array(this.buffers.control);
    Atomics.store(control, CONTROL.abort, 1);
    Atomics.notify(control, CONTROL.generation);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.abort();
    for (const w of this.workers) void w.terminate();
    this.pending?.reject(error);
  }
}
