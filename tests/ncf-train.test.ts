import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { initBackend } from '../src/recsys/ncf/backend.js';
import { type NeuMFConfigInput, neumfConfig } from '../src/recsys/ncf/config.js';
import { disposeWeights, snapshotWeights } from '../src/recsys/ncf/model.js';
import { NeuMF, NO_ITEM } from '../src/recsys/ncf/neumf.js';
import { trainNeuMF } from '../src/recsys/ncf/train.js';
import { createRng } from '../src/recsys/random.js';
import { makeTable, range } from './helpers/tables.js';

/**
 * 30 users in two groups of 15: group A (ids 1–15) likes movies 101–110, group B (ids 16–30)
 * likes 111–120. Each user rates 6 random movies of their half 5 and 2 random movies of the other
 * half 1, so 4 liked-half movies stay unseen for everyone.
 */
const USERS = range(1, 30);
const MOVIES = range(101, 120);
const groupOf = (userId: number): 'A' | 'B' => (userId <= 15 ? 'A' : 'B');
const half = (group: 'A' | 'B'): number[] => (group === 'A' ? MOVIES.slice(0, 10) : MOVIES.slice(10));

function twoGroups(): RatingsTable {
  const rng = createRng(2024);
  const rows: Array<[number, number, number]> = [];
  for (const userId of USERS) {
    const liked = rng.shuffle(half(groupOf(userId)).slice());
    const other = rng.shuffle(half(groupOf(userId) === 'A' ? 'B' : 'A').slice());
    for (const movie of liked.slice(0, 6)) rows.push([userId, movie, 5]);
    for (const movie of other.slice(0, 2)) rows.push([userId, movie, 1]);
  }
  return makeTable(rows, MOVIES);
}

const table = twoGroups();
const CONFIG: NeuMFConfigInput = {
  factors: 8,
  layers: [16, 8],
  learningRate: 0.01,
  // More epochs start memorising the seen movies and rank the unseen ones slightly worse.
  epochs: 8,
  batchSize: 64,
  negatives: 4,
  validationShare: 0,
  seed: 3,
};

async function refused(promise: Promise<unknown>): Promise<ReelrecError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReelrecError);
  return error as ReelrecError;
}

/** Movie ids user `userId` rated in `t`. */
function rated(t: RatingsTable, userId: number): Set<number> {
  const user = t.userIndex.get(userId);
  const out = new Set<number>();
  for (let i = 0; i < t.length; i++) if (t.user[i] === user) out.add(t.itemIds[t.item[i] as number] as number);
  return out;
}

let model: NeuMF;

beforeAll(async () => {
  await initBackend({ log: () => {} });
  model = new NeuMF(CONFIG);
  await model.fit(table);
});

describe('NeuMF on two user groups with disjoint tastes', () => {
  it('trains on the whole table (no validation) for every epoch, with a falling loss', () => {
    const training = model.training;
    expect(training).not.toBeNull();
    const history = training?.history ?? [];
    expect(history.map((h) => h.epoch)).toEqual(range(1, 8));
    expect(history.every((h) => h.valNdcg === null && Number.isFinite(h.loss))).toBe(true);
    expect(training?.bestEpoch).toBe(8);
    expect(training?.backend).toBe('wasm');
    expect(history.at(-1)?.loss).toBeLessThan(0.7 * (history[0]?.loss ?? 0));
  });

  it("recommends every user unseen movies from their own group's half", async () => {
    let hits = 0;
    let total = 0;
    for (const userId of USERS) {
      const recs = await model.recommend(userId, 3);
      expect(recs).toHaveLength(3);
      const own = new Set(half(groupOf(userId)));
      for (const r of recs) {
        total++;
        if (own.has(r.movieId)) hits++;
      }
    }
    expect(total).toBe(90);
    expect(hits / total).toBeGreaterThanOrEqual(0.9);
  });

  it('never recommends a movie the user rated, even when k covers the whole unseen catalogue', async () => {
    for (const userId of USERS) {
      const seen = rated(table, userId);
      const recs = await model.recommend(userId, MOVIES.length);
      expect(recs).toHaveLength(MOVIES.length - seen.size);
      for (const r of recs) expect(seen.has(r.movieId)).toBe(false);
      // Best first.
      for (let n = 1; n < recs.length; n++)
        expect((recs[n - 1] as { score: number }).score).toBeGreaterThanOrEqual((recs[n] as { score: number }).score);
    }
  });

  it('recommendAll(k) agrees with recommend() for each user', async () => {
    const k = 5;
    const all = await model.recommendAll(k);
    expect(all).toHaveLength(USERS.length * k);
    for (const userId of USERS) {
      const user = table.userIndex.get(userId) as number;
      const row = Array.from(all.subarray(user * k, user * k + k), (item) => table.itemIds[item]);
      expect(row).toEqual((await model.recommend(userId, k)).map((r) => r.movieId));
    }
  });

  it('scoreUsers matches scoreUser row by row', () => {
    const n = MOVIES.length;
    const block = new Float32Array(3 * n);
    model.scoreUsers(Uint32Array.of(0, 17, 29), block);
    [0, 17, 29].forEach((user, row) => {
      const one = new Float32Array(n);
      model.scoreUser(user, one);
      for (let j = 0; j < n; j++) expect(Math.abs((block[row * n + j] as number) - (one[j] as number))).toBeLessThanOrEqual(1e-5);
    });
  });

  it('refuses an unknown user with unknown_user, naming the id', async () => {
    const error = await refused(model.recommend(999));
    expect(error.code).toBe('unknown_user');
    expect(error.message).toContain('999');
  });
});

describe('trainNeuMF', () => {
  it('is deterministic for a seed: the same loss history and weights twice', async () => {
    const config = neumfConfig({ ...CONFIG, epochs: 3 });
    const a = await trainNeuMF(table, config);
    const b = await trainNeuMF(table, config);
    try {
      expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
      expect(b.history.map((h) => h.samples)).toEqual(a.history.map((h) => h.samples));
      expect(snapshotWeights(b.weights)).toEqual(snapshotWeights(a.weights));
    } finally {
      disposeWeights(a.weights);
      disposeWeights(b.weights);
    }
  });

  it('caps an epoch at epochRows, drawing a fresh share of the positives each epoch, and says so', async () => {
    const whole = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 1 }), { log: () => {} });
    const lines: string[] = [];
    const capped = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 2, epochRows: Math.round(whole.history[0].samples / 3) }), {
      log: (line) => lines.push(line),
    });
    disposeWeights(whole.weights);
    disposeWeights(capped.weights);
    for (const epoch of capped.history) {
      expect(epoch.samples).toBeGreaterThan(whole.history[0].samples * 0.2);
      expect(epoch.samples).toBeLessThan(whole.history[0].samples * 0.5);
    }
    expect(lines.some((l) => /epochs train on 3\d\.\d % of the positives/.test(l))).toBe(true);
  });

  it('reports progress that never runs past its total and ends on it, though epochs differ in size', async () => {
    for (const pretrain of [false, true]) {
      let value = 0;
      let total = 0;
      let overshoot = 0;
      const progress = {
        increment(by = 1) {
          value += by;
          overshoot = Math.max(overshoot, value - total);
        },
        update(v: number) {
          value = v;
        },
        setTotal(t: number) {
          total = t;
        },
        stop() {},
      };
      // A third of the positives per epoch, drawn afresh: every epoch has another number of rows.
      const run = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 3, epochRows: 60, pretrain }), { progress, log: () => {} });
      disposeWeights(run.weights);
      expect(new Set(run.history.map((h) => h.samples)).size).toBeGreaterThan(1);
      expect(run.history).toHaveLength(pretrain ? 9 : 3);
      expect(overshoot).toBe(0);
      expect(value).toBe(total);
      const { batchSize } = neumfConfig(CONFIG);
      expect(value).toBe(run.history.reduce((sum, h) => sum + Math.ceil(h.samples / batchSize), 0));
    }
  });

  it('follows the seed: another seed gives another loss history', async () => {
    const a = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 1, seed: 3 }));
    const b = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 1, seed: 4 }));
    disposeWeights(a.weights);
    disposeWeights(b.weights);
    expect(b.history[0]?.loss).not.toBe(a.history[0]?.loss);
  });

  it('leaks no tensors: fit, recommend, recommendAll, then dispose', async () => {
    const before = tf.memory().numTensors;
    const m = new NeuMF({ ...CONFIG, epochs: 2 });
    await m.fit(table);
    await m.recommend(1, 3);
    await m.recommendAll(3);
    // Refitting disposes the previous weights.
    await m.fit(table);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks no tensors with validation and early stopping either', async () => {
    const before = tf.memory().numTensors;
    const result = await trainNeuMF(table, neumfConfig({ ...CONFIG, epochs: 3, validationShare: 0.2, patience: 1 }));
    expect(result.history.every((h) => h.valNdcg !== null)).toBe(true);
    disposeWeights(result.weights);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('GMF/MLP pretraining and L2', () => {
  it('runs GMF, then MLP, then the joined model, still learning the groups and leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const model = new NeuMF({ ...CONFIG, pretrain: true, epochs: 4, l2: 1e-4 });
    await model.fit(table);
    const phases = model.manifest.training.history.map((h) => h.branch);
    expect(phases).toEqual(['gmf', 'gmf', 'gmf', 'gmf', 'mlp', 'mlp', 'mlp', 'mlp', 'neumf', 'neumf', 'neumf', 'neumf']);
    let hits = 0;
    for (const userId of USERS) {
      const top = await model.recommend(userId, 3);
      hits += top.filter((r) => half(groupOf(userId)).includes(r.movieId)).length;
    }
    expect(hits / (USERS.length * 3)).toBeGreaterThanOrEqual(0.9);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('NeuMF.recommendAll', () => {
  it('pads the row of a user with fewer than k unseen movies with NO_ITEM, never a seen movie', async () => {
    const small = makeTable(
      [
        [1, 10, 5],
        [1, 11, 5],
        [1, 12, 5],
        [2, 10, 5],
      ],
      [10, 11, 12, 13],
    );
    const m = new NeuMF({ factors: 2, layers: [4], epochs: 1, validationShare: 0 });
    await m.fit(small);
    const rows = await m.recommendAll(3);
    // User 1 (dense 0) has only movie 13 (index 3) unseen.
    expect(Array.from(rows.subarray(0, 3))).toEqual([3, NO_ITEM, NO_ITEM]);
    expect(
      Array.from(rows.subarray(3, 6))
        .filter((i) => i !== NO_ITEM)
        .sort(),
    ).toEqual([1, 2, 3]);
    m.dispose();
  });
});

describe('NeuMF errors', () => {
  it('refuses an empty training set with empty_training_set', async () => {
    const m = new NeuMF(CONFIG);
    const error = await refused(m.fit(makeTable([], MOVIES)));
    expect(error.code).toBe('empty_training_set');
    await expect(m.recommend(1)).rejects.toMatchObject({ code: 'not_fitted' });
  });

  it('refuses a table whose ratings are all ≤ 2 (no positives) with empty_training_set, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const lows = makeTable(
      [
        [1, 101, 1],
        [1, 102, 2],
        [2, 103, 1.5],
        [3, 104, 2],
      ],
      MOVIES,
    );
    const error = await refused(new NeuMF(CONFIG).fit(lows));
    expect(error.code).toBe('empty_training_set');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses recommend, recommendAll, scoreUser and manifest before fit with not_fitted', async () => {
    const m = new NeuMF(CONFIG);
    const error = await refused(m.recommend(1));
    expect(error.code).toBe('not_fitted');
    expect((await refused(m.recommendAll(3))).code).toBe('not_fitted');
    expect(() => m.scoreUser(0, new Float32Array(MOVIES.length))).toThrow(expect.objectContaining({ code: 'not_fitted' }));
    expect(() => m.manifest).toThrow(expect.objectContaining({ code: 'not_fitted' }));
  });

  it('refuses recommend after dispose with not_fitted', async () => {
    const m = new NeuMF({ ...CONFIG, epochs: 1 });
    await m.fit(table);
    m.dispose();
    expect((await refused(m.recommend(1))).code).toBe('not_fitted');
  });
});
