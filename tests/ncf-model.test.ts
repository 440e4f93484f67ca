import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/recsys/ncf/backend.js';
import {
  type Branch,
  createWeights,
  disposeWeights,
  forward,
  type NeuMFShape,
  type NeuMFWeights,
  restoreWeights,
  snapshotWeights,
  validateShape,
  weightList,
} from '../src/recsys/ncf/model.js';
import { scoreUsersAllItems } from '../src/recsys/ncf/scorer.js';
import { createRng } from '../src/recsys/random.js';

const shape: NeuMFShape = { users: 5, items: 7, factors: 4, layers: [8, 4, 2] };

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

/** Runs `body` on fresh weights and always disposes them. */
function withWeights<T>(s: NeuMFShape, seed: number, body: (w: NeuMFWeights) => T): T {
  const w = createWeights(s, seed);
  try {
    return body(w);
  } finally {
    disposeWeights(w);
  }
}

/**
 * Replaces every weight with seeded values of magnitude ~1 (biases included). The initial
 * embeddings are N(0, 0.01), which makes every logit ≈ 0 and would hide a wrong scorer.
 */
function randomise(w: NeuMFWeights, seed: number): void {
  const rng = createRng(seed);
  restoreWeights(
    w,
    snapshotWeights(w).map((values) => values.map(() => rng.next() * 2 - 1)),
  );
}

describe('createWeights', () => {
  it('builds every tensor with the documented shape', () => {
    withWeights(shape, 1, (w) => {
      expect(w.gmfUser.shape).toEqual([5, 4]);
      expect(w.gmfItem.shape).toEqual([7, 4]);
      expect(w.mlpUser.shape).toEqual([5, 4]);
      expect(w.mlpItem.shape).toEqual([7, 4]);
      expect(w.dense.map((d) => [d.kernel.shape, d.bias.shape])).toEqual([
        [[8, 4], [4]],
        [[4, 2], [2]],
      ]);
      expect(w.outKernel.shape).toEqual([4 + 2, 1]);
      expect(w.outBias.shape).toEqual([1]);
      const list = weightList(w);
      expect(list).toHaveLength(4 + 2 * 2 + 2);
      expect(list.every((v) => v.dtype === 'float32' && v.trainable)).toBe(true);
      expect(new Set(list.map((v) => v.name)).size).toBe(list.length);
    });
  });

  it('has no dense layer when layers has length 1: the output layer reads the GMF factors and the raw embeddings', () => {
    withWeights({ users: 3, items: 2, factors: 5, layers: [6] }, 1, (w) => {
      expect(w.dense).toEqual([]);
      expect(w.mlpUser.shape).toEqual([3, 3]);
      expect(w.mlpItem.shape).toEqual([2, 3]);
      expect(w.outKernel.shape).toEqual([5 + 6, 1]);
      expect(weightList(w)).toHaveLength(6);
    });
  });

  it('leaves no tensors behind once disposed (no stray initialiser tensors)', () => {
    const before = tf.memory().numTensors;
    const w = createWeights(shape, 1);
    expect(tf.memory().numTensors).toBe(before + weightList(w).length);
    disposeWeights(w);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('initialises embeddings small, biases zero, and is deterministic for a seed', () => {
    const a = withWeights(shape, 7, snapshotWeights);
    const b = withWeights(shape, 7, snapshotWeights);
    const c = withWeights(shape, 8, snapshotWeights);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const [gmfUser, , , , , denseBias] = a;
    expect(Math.max(...Array.from(gmfUser as Float32Array, Math.abs))).toBeLessThan(0.06);
    expect(Array.from(denseBias as Float32Array)).toEqual([0, 0, 0, 0]);
  });
});

describe('validateShape', () => {
  it('accepts a valid shape', () => {
    expect(() => validateShape(shape)).not.toThrow();
    expect(() => validateShape({ users: 1, items: 1, factors: 1, layers: [2] })).not.toThrow();
  });

  it.each<[string, NeuMFShape]>([
    ['an odd first layer', { ...shape, layers: [7, 4] }],
    ['zero users', { ...shape, users: 0 }],
    ['zero items', { ...shape, items: 0 }],
    ['zero factors', { ...shape, factors: 0 }],
    ['no layers', { ...shape, layers: [] }],
    ['a zero-width first layer', { ...shape, layers: [0] }],
    ['a zero-width hidden layer', { ...shape, layers: [8, 0] }],
    ['a negative layer width', { ...shape, layers: [8, -2] }],
    ['a fractional layer width', { ...shape, layers: [8, 2.5] }],
    ['NaN factors', { ...shape, factors: Number.NaN }],
  ])('rejects %s with a RangeError (createWeights too)', (_, bad) => {
    expect(() => validateShape(bad)).toThrow(RangeError);
    const before = tf.memory().numTensors;
    expect(() => createWeights(bad, 1)).toThrow(RangeError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says why the first layer must be even', () => {
    expect(() => validateShape({ ...shape, layers: [7, 4] })).toThrow(/first MLP layer \(7\) must be even/);
  });
});

describe('forward', () => {
  it('returns one logit per (user, item) pair', () => {
    withWeights(shape, 3, (w) => {
      const out = tf.tidy(() => forward(w, tf.tensor1d([0, 1, 4, 4, 2, 3], 'int32'), tf.tensor1d([6, 0, 1, 1, 5, 3], 'int32')));
      expect(out.shape).toEqual([6]);
      expect(out.dtype).toBe('float32');
      const values = out.dataSync();
      expect(values[2]).toBe(values[3]);
      out.dispose();
    });
  });

  it('leaves only its output behind', () => {
    withWeights(shape, 3, (w) => {
      const u = tf.tensor1d([0, 1], 'int32');
      const i = tf.tensor1d([2, 3], 'int32');
      const before = tf.memory().numTensors;
      const out = forward(w, u, i);
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([out, u, i]);
    });
  });
});

/** forward on every (user, item) pair of `users`, row by row, as one flat array. */
function forwardAll(w: NeuMFWeights, users: number[], items: number, branch: Branch = 'neumf'): Float32Array {
  return tf.tidy(() => {
    const u = users.flatMap((user) => Array.from({ length: items }, () => user));
    const i = users.flatMap(() => Array.from({ length: items }, (_, item) => item));
    return forward(w, tf.tensor1d(u, 'int32'), tf.tensor1d(i, 'int32'), branch).dataSync() as Float32Array;
  });
}

describe('scoreUsersAllItems', () => {
  const cases: Array<[string, NeuMFShape]> = [
    ['two hidden layers', shape],
    ['one hidden layer', { users: 6, items: 9, factors: 3, layers: [10, 5] }],
    ['no hidden layer (layers of length 1)', { users: 6, items: 9, factors: 3, layers: [4] }],
    ['no hidden layer, width 2', { users: 4, items: 11, factors: 2, layers: [2] }],
  ];

  it.each(cases)('equals forward on every (user, item) pair: %s', (_, s) => {
    withWeights(s, 11, (w) => {
      randomise(w, 5);
      const users = [0, s.users - 1, 2, 2, 1];
      const expected = forwardAll(w, users, s.items);
      const got = scoreUsersAllItems(w, Int32Array.from(users));
      expect(got).toHaveLength(users.length * s.items);
      // The randomised weights give logits of order 1, so the comparison is not vacuous.
      expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(0.5);
      let worst = 0;
      for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs((got[k] as number) - (expected[k] as number)));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  });

  it.each(['gmf', 'mlp'] as const)('equals forward for the %s branch alone (pretraining)', (branch) => {
    withWeights(shape, 13, (w) => {
      randomise(w, 6);
      const users = [0, 3, shape.users - 1];
      const expected = forwardAll(w, users, shape.items, branch);
      const got = scoreUsersAllItems(w, Int32Array.from(users), branch);
      const full = scoreUsersAllItems(w, Int32Array.from(users));
      let worst = 0;
      let differsFromFull = 0;
      for (let k = 0; k < expected.length; k++) {
        worst = Math.max(worst, Math.abs((got[k] as number) - (expected[k] as number)));
        differsFromFull = Math.max(differsFromFull, Math.abs((got[k] as number) - (full[k] as number)));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(differsFromFull).toBeGreaterThan(1e-3);
    });
  });

  it('agrees with forward on freshly initialised weights too, for a single user', () => {
    withWeights(shape, 2, (w) => {
      const expected = forwardAll(w, [3], shape.items);
      const got = scoreUsersAllItems(w, Int32Array.of(3));
      for (let k = 0; k < expected.length; k++) expect(Math.abs((got[k] as number) - (expected[k] as number))).toBeLessThanOrEqual(1e-5);
    });
  });

  it('leaks no tensors', () => {
    withWeights(shape, 2, (w) => {
      const before = tf.memory().numTensors;
      scoreUsersAllItems(w, Int32Array.of(0, 1, 2));
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
