import { describe, expect, it } from 'vitest';
import { embeddingRow, flatLayout, packWeights, unpackWeights } from '../src/recsys/ncf/flat-layout.js';
import { ADAM } from '../src/recsys/ncf/lazy-adam.js';
import type { Branch, NeuMFShape } from '../src/recsys/ncf/model.js';
import { runEpochOnThread } from '../src/recsys/ncf/sparse-epoch.js';
import { CHUNK_ROWS } from '../src/recsys/ncf/sparse-mlp.js';
import {
  allocateEpochBuffers,
  allocateSparseBuffers,
  type EpochViews,
  epochViews,
  type SparseViews,
  sparseViews,
} from '../src/recsys/ncf/sparse-state.js';
import {
  applyUpdate,
  type BatchRange,
  catchUpAll,
  computeSlice,
  nonzeroWeights,
  sliceOf,
  stepScratch,
} from '../src/recsys/ncf/sparse-step.js';
import { createRng } from '../src/recsys/random.js';

/** Every weight drawn from N(0, sd): big enough that ReLUs are on and off, unlike the 0.01 init. */
function randomViews(shape: NeuMFShape, threads: number, batchSize: number, seed: number, sd = 0.5): SparseViews {
  const views = sparseViews(allocateSparseBuffers(shape, threads, batchSize));
  const rng = createRng(seed);
  const layout = flatLayout(shape);
  packWeights(
    layout,
    layout.tensors.map((t) => Float32Array.from({ length: t.length }, () => (rng.next() * 2 - 1) * sd * 1.7)),
    views.params,
  );
  return views;
}

/** Rows (user, item, label, kind) as an epoch; kind 4 (unrated) weighs 1, kind 2 weighs 0. */
function epochOf(rows: Array<[number, number, number, number?]>): EpochViews {
  const e = epochViews({ ...allocateEpochBuffers(rows.length, Float32Array.from([1, 1, 0, 0.5, 1])), length: rows.length });
  rows.forEach(([u, i, y, kind], r) => {
    e.user[r] = u;
    e.item[r] = i;
    e.label[r] = y;
    e.kind[r] = kind ?? 4;
  });
  return e;
}

function wholeBatch(epoch: EpochViews): BatchRange {
  return { start: 0, size: epoch.length, nonzero: nonzeroWeights(epoch, 0, epoch.length) };
}

function lossAt(views: SparseViews, epoch: EpochViews, branch: Branch, l2: number): number {
  const batch = wholeBatch(epoch);
  return computeSlice(views, 0, epoch, 0, epoch.length, batch, branch, l2 * 1, stepScratch(views));
}

const TINY: NeuMFShape = { users: 3, items: 4, factors: 3, layers: [4, 5, 3] };
const ROWS: Array<[number, number, number, number?]> = [
  [0, 1, 1],
  [1, 2, 0],
  [2, 3, 1, 0],
  [0, 3, 0, 3],
  [1, 1, 1, 2],
  [0, 1, 0],
];

/** Every parameter's analytic gradient (from the thread's scratch) against central differences of the loss. */
function expectFiniteDifferences(shape: NeuMFShape, rows: Array<[number, number, number, number?]>, branch: Branch): void {
  const views = randomViews(shape, 1, rows.length, 11);
  const epoch = epochOf(rows);
  const l2 = 0.05;
  lossAt(views, epoch, branch, l2);
  const t = views.perThread[0];
  const { layout } = views;
  const rowWidth = shape.factors + layout.half;
  const analytic = new Float64Array(layout.total);
  for (let j = layout.denseStart; j < layout.total; j++) analytic[j] = t.denseGrad[j - layout.denseStart];
  // A slot's gradient row has the layout of a parameter row: GMF part, then MLP part.
  for (let s = 0; s < t.used[0]; s++) {
    for (let c = 0; c < rowWidth; c++) analytic[embeddingRow(layout, 0, t.userRows[s]) + c] = t.userGrad[s * rowWidth + c];
  }
  for (let s = 0; s < t.used[1]; s++) {
    for (let c = 0; c < rowWidth; c++) analytic[embeddingRow(layout, 1, t.itemRows[s]) + c] = t.itemGrad[s * rowWidth + c];
  }
  const eps = 1e-3;
  let checked = 0;
  for (let p = 0; p < layout.total; p++) {
    const saved = views.params[p];
    views.params[p] = saved + eps;
    const up = lossAt(views, epoch, branch, l2);
    views.params[p] = saved - eps;
    const down = lossAt(views, epoch, branch, l2);
    views.params[p] = saved;
    const numeric = (up - down) / (((saved + eps) as number) - (saved - eps));
    expect(Math.abs(numeric - analytic[p]), `parameter ${p}: numeric ${numeric}, analytic ${analytic[p]}`).toBeLessThan(
      2e-3 + 2e-2 * Math.abs(numeric),
    );
    if (analytic[p] !== 0) checked++;
  }
  expect(checked).toBeGreaterThan(10);
}

describe('sparse NeuMF step: backward pass', () => {
  for (const branch of ['neumf', 'gmf', 'mlp'] as const) {
    it(`matches finite differences of the loss on a tiny model (${branch}, with L2)`, () => {
      expectFiniteDifferences(TINY, ROWS, branch);
    });
  }

  it('matches finite differences over several chunks of rows, an odd last one, and layers wider than a tile', () => {
    const rng = createRng(21);
    const rows: Array<[number, number, number, number?]> = Array.from({ length: 2 * CHUNK_ROWS + 23 }, () => [
      rng.int(6),
      rng.int(7),
      rng.int(2),
      rng.int(5),
    ]);
    expectFiniteDifferences({ users: 6, items: 7, factors: 3, layers: [10, 6, 5] }, rows, 'neumf');
  });
});

/** One step on a batch of users 0–5 and items 0–7, on a catalogue of `users` × `items`; threads run in turn. */
function stepOnCatalogue(users: number, items: number, threads: number) {
  const shape: NeuMFShape = { users, items, factors: 4, layers: [8, 4] };
  const views = randomViews(shape, threads, 16, 5, 0.1);
  const rows: Array<[number, number, number]> = [];
  const rng = createRng(9);
  for (let r = 0; r < 16; r++) rows.push([rng.int(6), rng.int(8), rng.int(2)]);
  const epoch = epochOf(rows);
  const before = views.params.slice();
  const batch = wholeBatch(epoch);
  for (let t = 0; t < threads; t++) {
    const [lo, hi] = sliceOf(batch, t, threads);
    computeSlice(views, t, epoch, lo, hi, batch, 'neumf', 0, stepScratch(views));
  }
  const counts = Array.from({ length: threads }, (_, t) => applyUpdate(views, t, 1, 0.01, 'neumf', stepScratch(views)));
  const sum = (key: 'gmfUser' | 'gmfItem' | 'mlpUser' | 'mlpItem' | 'dense') => counts.reduce((a, c) => a + c[key], 0);
  return {
    views,
    before,
    distinctUsers: new Set(rows.map((r) => r[0])),
    distinctItems: new Set(rows.map((r) => r[1])),
    counts: { gmfUser: sum('gmfUser'), gmfItem: sum('gmfItem'), mlpUser: sum('mlpUser'), mlpItem: sum('mlpItem'), dense: sum('dense') },
  };
}

describe('sparse NeuMF step: per-batch work does not depend on the catalogue size', () => {
  for (const threads of [1, 2]) {
    it(`updates exactly the batch's distinct users and items, on 10×12 and 20000×30000 catalogues (${threads} thread(s))`, () => {
      const small = stepOnCatalogue(10, 12, threads);
      const large = stepOnCatalogue(20_000, 30_000, threads);
      for (const run of [small, large]) {
        expect(run.counts.gmfUser).toBe(run.distinctUsers.size);
        expect(run.counts.mlpUser).toBe(run.distinctUsers.size);
        expect(run.counts.gmfItem).toBe(run.distinctItems.size);
        expect(run.counts.mlpItem).toBe(run.distinctItems.size);
      }
      expect(large.counts).toEqual(small.counts);
    });
  }

  it('leaves every row outside the batch bit-identical, with untouched Adam moments', () => {
    const run = stepOnCatalogue(2000, 3000, 2);
    const { layout } = run.views;
    const tables = [
      { side: 0 as const, rows: 2000, batch: run.distinctUsers },
      { side: 1 as const, rows: 3000, batch: run.distinctItems },
    ];
    for (const table of tables) {
      let changedOutside = 0;
      let changedInside = 0;
      for (let row = 0; row < table.rows; row++) {
        for (let c = 0; c < layout.rowWidth; c++) {
          const p = embeddingRow(layout, table.side, row) + c;
          const changed = !Object.is(run.views.params[p], run.before[p]) || run.views.m[p] !== 0 || run.views.v[p] !== 0;
          if (table.batch.has(row)) changedInside += changed ? 1 : 0;
          else changedOutside += changed ? 1 : 0;
        }
      }
      expect(changedOutside).toBe(0);
      expect(changedInside).toBeGreaterThan(0);
    }
  });
});

describe('sparse NeuMF step: threads', () => {
  it('two threads in lock step train (almost) the same weights as one', () => {
    const shape: NeuMFShape = { users: 20, items: 30, factors: 4, layers: [8, 6, 3] };
    const rng = createRng(4);
    const rows: Array<[number, number, number]> = Array.from({ length: 200 }, () => [rng.int(20), rng.int(30), rng.int(2)]);
    const plan = { batchSize: 32, branch: 'neumf' as const, l2: 0.001, learningRate: 0.01, firstStep: 1 };
    const one = randomViews(shape, 1, 32, 8, 0.1);
    runEpochOnThread(one, 0, epochOf(rows), plan, stepScratch(one));
    // Two threads run by hand, batch by batch, in the order the barriers enforce.
    const two = randomViews(shape, 2, 32, 8, 0.1);
    const epoch = epochOf(rows);
    const scratch = stepScratch(two);
    for (let start = 0, step = 1; start < rows.length; start += 32, step++) {
      const batch = {
        start,
        size: Math.min(32, rows.length - start),
        nonzero: nonzeroWeights(epoch, start, Math.min(32, rows.length - start)),
      };
      for (const t of [0, 1]) computeSlice(two, t, epoch, ...sliceOf(batch, t, 2), batch, 'neumf', 0.001, scratch);
      for (const t of [0, 1]) applyUpdate(two, t, step, 0.01, 'neumf', scratch);
    }
    for (const t of [0, 1]) catchUpAll(two, t, Math.ceil(rows.length / 32), 0.01, 'neumf');
    let worst = 0;
    for (let p = 0; p < one.params.length; p++) worst = Math.max(worst, Math.abs(one.params[p] - two.params[p]));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('sparse NeuMF step: lazy Adam catches up like dense Adam', () => {
  for (const [first, away] of [
    [1, 5],
    [1, 150],
    [12_000, 5],
    [12_000, 150],
  ])
    it(`a row away for ${away} steps from step ${first} moves as dense Adam moves it with zero gradients (momentum)`, () => {
      const shape: NeuMFShape = { users: 6, items: 6, factors: 3, layers: [4, 2] };
      const views = randomViews(shape, 1, 4, 21, 0.3);
      const scratch = stepScratch(views);
      const lr = 0.01;
      // The first step touches user 0; the next `away` only users 1–2; then every row is brought up to date.
      const batches = [epochOf([[0, 1, 1]]), ...Array.from({ length: away }, (_, n) => epochOf([[1 + (n % 2), 2, 0]]))];
      const row = embeddingRow(views.layout, 0, 0);
      const take = (a: Float32Array) => Array.from(a.subarray(row, row + 3));
      const after1 = { p: [] as number[], m: [] as number[], v: [] as number[] };
      for (const [n, epoch] of batches.entries()) {
        computeSlice(views, 0, epoch, 0, epoch.length, wholeBatch(epoch), 'neumf', 0, scratch);
        applyUpdate(views, 0, first + n, lr, 'neumf', scratch);
        if (n === 0) Object.assign(after1, { p: take(views.params), m: take(views.m), v: take(views.v) });
      }
      expect(Array.from(views.params.subarray(row, row + 3))).toEqual(after1.p);
      catchUpAll(views, 0, first + away, lr, 'neumf');
      const { beta1, beta2, epsilon } = ADAM;
      for (let f = 0; f < 3; f++) {
        let { p, m, v } = { p: after1.p[f] ?? 0, m: after1.m[f] ?? 0, v: after1.v[f] ?? 0 };
        for (let s = first + 1; s <= first + away; s++) {
          m *= beta1;
          v *= beta2;
          p -= (lr * (m / (1 - beta1 ** s))) / (Math.sqrt(v / (1 - beta2 ** s)) + epsilon);
        }
        expect(views.params[row + f]).toBeCloseTo(p, 5);
        expect(views.m[row + f]).toBeCloseTo(m, 8);
      }
    });
});

describe('sparse NeuMF flat layout', () => {
  const shape: NeuMFShape = { users: 3, items: 4, factors: 2, layers: [6, 4, 2] };
  const layout = flatLayout(shape);
  const values = layout.tensors.map((t, k) => Float32Array.from({ length: t.length }, (_, j) => 1000 * k + j));

  it('packs the weight list and unpacks the same values', () => {
    const flat = new Float32Array(layout.total);
    packWeights(layout, values, flat);
    expect(unpackWeights(layout, flat)).toEqual(values);
    expect(layout.total).toBe(values.reduce((n, v) => n + v.length, 0));
  });

  it("keeps each user's and item's GMF and MLP embeddings in one contiguous row", () => {
    const flat = new Float32Array(layout.total);
    packWeights(layout, values, flat);
    // Item 2: GMF item (tensor 1) values 4–5, then MLP item (tensor 3) values 6–8.
    const row = Array.from(flat.subarray(embeddingRow(layout, 1, 2), embeddingRow(layout, 1, 2) + layout.rowWidth));
    expect(row).toEqual([1004, 1005, 3006, 3007, 3008]);
    expect(layout.denseStart).toBe((shape.users + shape.items) * layout.rowWidth);
  });

  it('refuses a weight of the wrong size', () => {
    const wrong = values.map((v, k) => (k === 2 ? v.subarray(1) : v));
    expect(() => packWeights(layout, wrong, new Float32Array(layout.total))).toThrow(/weight 2 has 8 values, the layout expects 9/);
  });
});
