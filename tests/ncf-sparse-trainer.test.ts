import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../src/progress.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { initBackend } from '../src/recsys/ncf/backend.js';
import { type NeuMFConfigInput, neumfConfig } from '../src/recsys/ncf/config.js';
import { disposeWeights, snapshotWeights } from '../src/recsys/ncf/model.js';
import { NeuMF } from '../src/recsys/ncf/neumf.js';
import { SparseTrainer } from '../src/recsys/ncf/sparse-trainer.js';
import { trainNeuMF } from '../src/recsys/ncf/train.js';
import { createRng } from '../src/recsys/random.js';
import { LabelKind } from '../src/recsys/sampling/labels.js';
import { makeTable, range } from './helpers/tables.js';

/** 40 users in two taste groups over 24 movies: each rates 7 of its group's 12 movies 4–5 and 2 of the others 1. */
function tastes(): RatingsTable {
  const rng = createRng(77);
  const movies = range(1, 24);
  const rows: Array<[number, number, number]> = [];
  for (const user of range(1, 40)) {
    const own = user <= 20 ? movies.slice(0, 12) : movies.slice(12);
    const other = user <= 20 ? movies.slice(12) : movies.slice(0, 12);
    for (const m of rng.shuffle(own.slice()).slice(0, 7)) rows.push([user, m, 4 + rng.int(2)]);
    for (const m of rng.shuffle(other.slice()).slice(0, 2)) rows.push([user, m, 1]);
  }
  return makeTable(rows, movies);
}

const table = tastes();
const BASE: NeuMFConfigInput = { factors: 6, layers: [12, 6], learningRate: 0.01, epochs: 6, batchSize: 48, negatives: 4, seed: 5 };
const quiet = { log: () => {} };

function recordingProgress() {
  const calls = { total: 0, increments: 0, sum: 0 };
  const progress: Progress = {
    setTotal: (t) => {
      calls.total = t;
    },
    increment: (by = 1) => {
      calls.increments++;
      calls.sum += by;
    },
    update() {},
    stop() {},
  };
  return { calls, progress };
}

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('sparse NeuMF trainer on worker threads', () => {
  it('trains with a falling loss, reports progress in batches and says which trainer ran', async () => {
    const { calls, progress } = recordingProgress();
    const lines: string[] = [];
    const result = await trainNeuMF(table, neumfConfig({ ...BASE, trainer: 'sparse', threads: 2 }), {
      progress,
      log: (line) => lines.push(line),
    });
    try {
      expect(result.trainer).toEqual({ name: 'sparse', threads: 2 });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('NeuMF trainer "sparse"');
      const losses = result.history.map((h) => h.loss);
      expect(losses.at(-1)).toBeLessThan(0.8 * (losses[0] as number));
      const batchesPerEpoch = Math.ceil((result.history[0]?.samples ?? 0) / 48);
      expect(calls.total).toBe(6 * batchesPerEpoch);
      expect(calls.sum).toBe(calls.total);
      expect(calls.increments).toBeGreaterThan(6);
    } finally {
      disposeWeights(result.weights);
    }
  });

  it('learns the same model on one and on two threads (same batches, gradients summed in another order)', async () => {
    const one = await trainNeuMF(table, neumfConfig({ ...BASE, trainer: 'sparse', threads: 1 }), quiet);
    const two = await trainNeuMF(table, neumfConfig({ ...BASE, trainer: 'sparse', threads: 2 }), quiet);
    try {
      for (const [e, h] of one.history.entries()) expect(Math.abs(h.loss - (two.history[e]?.loss ?? 0))).toBeLessThan(1e-4);
      const a = snapshotWeights(one.weights);
      const b = snapshotWeights(two.weights);
      let worst = 0;
      a.forEach((values, t) => {
        values.forEach((x, j) => {
          worst = Math.max(worst, Math.abs(x - ((b[t] as Float32Array)[j] as number)));
        });
      });
      expect(worst).toBeLessThan(1e-3);
    } finally {
      disposeWeights(one.weights);
      disposeWeights(two.weights);
    }
  });

  it('records the trainer in the manifest; the tfjs trainer stays available by config', async () => {
    const sparse = new NeuMF({ ...BASE, trainer: 'sparse', threads: 2 }, quiet);
    await sparse.fit(table);
    expect(sparse.manifest.trainer).toEqual({ name: 'sparse', threads: 2 });
    sparse.dispose();
    const tfjs = new NeuMF({ ...BASE, trainer: 'tfjs', epochs: 2 }, quiet);
    await tfjs.fit(table);
    expect(tfjs.manifest.trainer).toEqual({ name: 'tfjs', threads: 1 });
    const history = tfjs.training?.history ?? [];
    expect(history.every((h) => Number.isFinite(h.loss))).toBe(true);
    tfjs.dispose();
  });
});

describe('sparse trainer threads end with it', () => {
  const shape = { users: 4, items: 5, factors: 2, layers: [4, 2] };
  const values = () => [8, 10, 8, 10, 8, 2, 4, 1].map((n) => new Float32Array(n).fill(0.1));
  const rows = (item: number) => ({
    length: 3,
    user: Uint32Array.of(0, 1, 2),
    item: Uint32Array.of(1, item, 3),
    interaction: Uint8Array.of(1, 0, 1),
    kind: Uint8Array.of(LabelKind.HardPositive, LabelKind.Unrated, LabelKind.HardPositive),
  });
  const options = { threads: 2, batchSize: 2, l2: 0, kindWeight: Float32Array.from([1, 1, 0, 0, 1]) };

  it('terminates its workers on close', async () => {
    const trainer = SparseTrainer.open(shape, values(), options);
    expect(trainer.liveWorkers).toBe(2);
    expect(Number.isFinite(await trainer.runEpoch(rows(2), createRng(1), 'neumf', 0.01))).toBe(true);
    await trainer.close();
    expect(trainer.liveWorkers).toBe(0);
  });

  it('rejects the epoch and ends every worker when one fails (no hang at the barrier)', async () => {
    const trainer = SparseTrainer.open(shape, values(), options);
    const error = await trainer.runEpoch(rows(99), createRng(1), 'neumf', 0.01).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('outside the model');
    await trainer.close();
    expect(trainer.liveWorkers).toBe(0);
  });
});
