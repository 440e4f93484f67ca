import { ReelrecError } from '../../errors.js';
import type { Branch } from './model.js';
import { CONTROL, type EpochViews, type SparseViews } from './sparse-state.js';
import { applyUpdate, type BatchRange, catchUpAll, computeSlice, nonzeroWeights, type StepScratch, sliceOf } from './sparse-step.js';

export interface EpochPlan {
  batchSize: number;
  branch: Branch;
  l2: number;
  learningRate: number;
  /** Adam step of the epoch's first batch (the phase's steps so far + 1). */
  firstStep: number;
}

/**
 * Waits until all `threads` threads arrive. Waits in short slices so that an abort (another
 * thread failed) ends the wait instead of hanging the process.
 */
export function barrier(control: Int32Array, threads: number): void {
  if (threads === 1) return;
  const generation = Atomics.load(control, CONTROL.generation);
  if (Atomics.add(control, CONTROL.count, 1) === threads - 1) {
    Atomics.store(control, CONTROL.count, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    return;
  }
  while (Atomics.load(control, CONTROL.generation) === generation) {
    if (Atomics.load(control, CONTROL.abort) !== 0) throw new ReelrecError('trainer_aborted', 'sparse trainer: another thread failed');
    Atomics.wait(control, CONTROL.generation, generation, 100);
  }
}

/**
 * Thread `thread`'s part of one epoch: for every batch, its slice's gradient, a barrier, its
 * share of the update, a barrier; at the end, every row brought up to the last step. Every thread runs this with the same plan; `onBatch` is told
 * after each batch. Returns this thread's share of the summed batch losses.
 */
export function runEpochOnThread(
  views: SparseViews,
  thread: number,
  epoch: EpochViews,
  plan: EpochPlan,
  scratch: StepScratch,
  onBatch: (batchesDone: number) => void = () => {},
): number {
  let loss = 0;
  let batches = 0;
  for (let start = 0; start < epoch.length; start += plan.batchSize) {
    const size = Math.min(plan.batchSize, epoch.length - start);
    const batch: BatchRange = { start, size, nonzero: nonzeroWeights(epoch, start, size) };
    const [lo, hi] = sliceOf(batch, thread, views.threads);
    loss += computeSlice(views, thread, epoch, lo, hi, batch, plan.branch, plan.l2, scratch);
    barrier(views.control, views.threads);
    applyUpdate(views, thread, plan.firstStep + batches, plan.learningRate, plan.branch, scratch);
    barrier(views.control, views.threads);
    batches++;
    onBatch(batches);
  }
  // Rows the last batches skipped still owe dense Adam's momentum steps before anyone reads them.
  if (batches > 0) catchUpAll(views, thread, plan.firstStep + batches - 1, plan.learningRate, plan.branch);
  barrier(views.control, views.threads);
  return loss;
}

export function batchesIn(rows: number, batchSize: number): number {
  return Math.ceil(rows / batchSize);
}
