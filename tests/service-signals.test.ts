import { beforeAll, describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import { createWeights, disposeWeights, restoreWeights, snapshotWeights } from '../src/recsys/ncf/model.js';
import { scoreUsersAllItems } from '../src/recsys/ncf/scorer.js';
import { createRng } from '../src/recsys/random.js';
import { type BlendWeights, parseBlendWeights, weightsFor } from '../src/service/blend-weights.js';
import { blend, SIGNALS, type SignalName, type SignalWeights, standardize } from '../src/service/hybrid.js';
import { easeScores, fitEase, invertSpd } from '../src/service/signals/ease.js';
import {
  type FoldInModel,
  foldInScores,
  foldInUser,
  frozenFoldIn,
  scoreItemsWithUserVector,
  scoreWithUserVector,
} from '../src/service/signals/fold-in.js';
import { FOLD_IN_DEFAULTS, fitFoldInUser, foldInModel } from '../src/service/signals/fold-in-fit.js';
import { tuneWeights } from '../src/service/tune-blend.js';
import { createTestServiceBundle, type TestServiceBundle } from './helpers/service.js';
import { makeTable } from './helpers/tables.js';

/** Expects `run` to throw a ReelrecError with `code`; returns it for further checks. */
function expectCode(run: () => unknown, code: string): ReelrecError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ReelrecError);
  expect((caught as ReelrecError).code).toBe(code);
  return caught as ReelrecError;
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
}

/** Plain Gauss–Jordan with partial pivoting: the reference the Cholesky inverse is checked against. */
function gaussJordanInverse(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    for (let j = 0; j < 2 * n; j++) a[col][j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((row) => row.slice(n));
}

describe('invertSpd', () => {
  it('inverts a random SPD matrix: A·A⁻¹ = I', () => {
    const n = 7;
    const rng = createRng(5);
    const m = Float64Array.from({ length: n * n }, () => rng.next() * 2 - 1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += m[k * n + i] * m[k * n + j];
        a[i * n + j] = s;
      }
    const inverse = invertSpd(a.slice(), n);
    const product = matMul(a, inverse, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(product[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-9);
    // The inverse of a symmetric matrix is symmetric.
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
  });

  it('inverts a 1×1 matrix', () => {
    expect(Array.from(invertSpd(Float64Array.of(4), 1))).toEqual([0.25]);
  });

  it('throws ease_not_spd for a symmetric indefinite or singular matrix', () => {
    const error = expectCode(() => invertSpd(Float64Array.of(1, 2, 2, 1), 2), 'ease_not_spd');
    expect(error.message).toContain('row 1');
    expectCode(() => invertSpd(Float64Array.of(-1, 0, 0, 1), 2), 'ease_not_spd');
    expectCode(() => invertSpd(Float64Array.of(1, 1, 1, 1), 2), 'ease_not_spd');
    expectCode(() => invertSpd(Float64Array.of(Number.NaN, 0, 0, 1), 2), 'ease_not_spd');
  });
});

describe('fitEase / easeScores', () => {
  const itemIds = [10, 20, 30, 40, 50];
  // Rated counts: 10 ×5, 20 ×4, 30 ×3, 40 ×2, 50 ×1 (every rating ≥ 3 except those marked).
  const table = makeTable(
    [
      [1, 10, 5],
      [1, 20, 4],
      [1, 30, 2],
      [2, 10, 4],
      [2, 20, 5],
      [2, 40, 3],
      [3, 10, 3],
      [3, 30, 5],
      [3, 50, 4],
      [4, 10, 4],
      [4, 20, 1],
      [4, 40, 5],
      [5, 10, 2],
      [5, 20, 4],
      [5, 30, 4],
    ],
    itemIds,
  );
  const lambda = 1.5;

  /** B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, over catalogue indices, computed the slow way. */
  function naiveEase(minRating: number): number[][] {
    const nUsers = table.userIds.length;
    const nItems = itemIds.length;
    const x = Array.from({ length: nUsers }, () => new Array<number>(nItems).fill(0));
    for (let r = 0; r < table.length; r++) if (table.rating[r] >= minRating) x[table.user[r]][table.item[r]] = 1;
    const gram = Array.from({ length: nItems }, (_, i) =>
      Array.from({ length: nItems }, (_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lambda : 0)),
    );
    const p = gaussJordanInverse(gram);
    return p.map((row, i) => row.map((value, j) => (i === j ? 1 : 0) - value / p[j][j]));
  }

  it('has a zero diagonal and matches the closed form', () => {
    const model = fitEase(table, { lambda });
    const V = model.vocab.length;
    expect(V).toBe(5);
    expect(model.lambda).toBe(lambda);
    // Most rated first.
    expect(Array.from(model.vocab)).toEqual([0, 1, 2, 3, 4]);
    for (let v = 0; v < V; v++) expect(model.weights[v * V + v]).toBe(0);
    const reference = naiveEase(0);
    let largest = 0;
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        const got = model.weights[model.position[i] * V + model.position[j]];
        expect(Math.abs(got - reference[i][j])).toBeLessThan(1e-5);
        if (i !== j) largest = Math.max(largest, Math.abs(reference[i][j]));
      }
    // The comparison means something only if B is not all zeros.
    expect(largest).toBeGreaterThan(0.05);
  });

  it('counts only ratings ≥ minRating', () => {
    const model = fitEase(table, { lambda, minRating: 3 });
    const V = model.vocab.length;
    const reference = naiveEase(3);
    // 10 ×4, 20 ×3, 30 ×2, 40 ×2, 50 ×1 at ≥ 3: ties go to the lower index.
    expect(Array.from(model.vocab)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++)
        expect(Math.abs(model.weights[model.position[i] * V + model.position[j]] - reference[i][j])).toBeLessThan(1e-5);
  });

  it('keeps the maxItems most rated movies', () => {
    const model = fitEase(table, { lambda, maxItems: 3 });
    expect(Array.from(model.vocab)).toEqual([0, 1, 2]);
    expect(Array.from(model.position)).toEqual([0, 1, 2, -1, -1]);
    expect(model.weights.length).toBe(9);
    for (let v = 0; v < 3; v++) expect(model.weights[v * 3 + v]).toBe(0);
  });

  it('orders the vocabulary by rating count, not by index', () => {
    const reversed = makeTable(
      [
        [1, 30, 4],
        [2, 30, 4],
        [3, 30, 4],
        [1, 20, 4],
        [2, 20, 4],
        [1, 10, 4],
      ],
      [10, 20, 30],
    );
    const model = fitEase(reversed, { lambda: 1, maxItems: 2 });
    expect(Array.from(model.vocab)).toEqual([2, 1]);
    expect(Array.from(model.position)).toEqual([-1, 1, 0]);
  });

  it('throws ease_empty when nothing is rated', () => {
    expectCode(() => fitEase(makeTable([[1, 10, 2]], [10, 20]), { minRating: 4 }), 'ease_empty');
  });

  it('easeScores sums liked rows, subtracts dislikeWeight × disliked rows, 0 outside the vocabulary', () => {
    const model = fitEase(table, { lambda, maxItems: 3 });
    const V = 3;
    const row = (item: number, j: number) => model.weights[model.position[item] * V + model.position[j]];
    const out = new Float32Array(5).fill(99);
    easeScores(model, [0, 2], [1], 0.5, out);
    for (const j of [0, 1, 2]) expect(out[j]).toBeCloseTo(row(0, j) + row(2, j) - 0.5 * row(1, j), 6);
    expect(out[3]).toBe(0);
    expect(out[4]).toBe(0);

    // A liked movie outside the vocabulary adds nothing; dislikeWeight 0 ignores dislikes.
    const plain = new Float32Array(5);
    easeScores(model, [0, 2, 4], [1], 0, plain);
    for (const j of [0, 1, 2]) expect(plain[j]).toBeCloseTo(row(0, j) + row(2, j), 6);

    const none = new Float32Array(5).fill(3);
    easeScores(model, [], [], 0.5, none);
    expect(Array.from(none)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('NeuMF fold-in', () => {
  let bundle: TestServiceBundle;
  let model: FoldInModel;
  let values: Float32Array[];
  let factors: number;
  let half: number;

  beforeAll(async () => {
    bundle = await createTestServiceBundle();
    const weights = bundle.neumf.weightValues();
    values = weights.values;
    factors = weights.shape.factors;
    half = (weights.shape.layers[0] as number) / 2;
    model = foldInModel(weights.shape, values);
  });

  const ids = (list: number[]) => list.map((id) => bundle.data.ratings.itemIndex.get(id) as number);
  const mean = (scores: Float32Array, items: number[]) => items.reduce((s, i) => s + scores[i], 0) / items.length;

  it('scores a trained user exactly like NeuMF when given that user’s own vectors', () => {
    const nItems = bundle.parts.nItems;
    const nUsers = bundle.data.ratings.userIds.length;
    const mine = new Float32Array(nItems);
    const theirs = new Float32Array(nItems);
    let worst = 0;
    for (let u = 0; u < nUsers; u++) {
      scoreWithUserVector(model, values[0].slice(u * factors, (u + 1) * factors), values[2].slice(u * half, (u + 1) * half), mine);
      bundle.neumf.scoreUser(u, theirs);
      for (let j = 0; j < nItems; j++) worst = Math.max(worst, Math.abs(mine[j] - theirs[j]));
    }
    expect(worst).toBeLessThan(1e-4);
    // Users really differ, so the check above is not comparing constants.
    scoreWithUserVector(model, values[0].slice(0, factors), values[2].slice(0, half), mine);
    scoreWithUserVector(model, values[0].slice(factors, 2 * factors), values[2].slice(half, 2 * half), theirs);
    expect(mine.some((s, j) => Math.abs(s - theirs[j]) > 1e-3)).toBe(true);
  });

  it('starts from the mean trained user (only users marked trained count)', () => {
    const nUsers = bundle.data.ratings.userIds.length;
    for (let f = 0; f < factors; f++) {
      let s = 0;
      for (let u = 0; u < nUsers; u++) s += values[0][u * factors + f];
      expect(model.initGmf[f]).toBeCloseTo(s / nUsers, 5);
    }
    const trained = new Uint8Array(nUsers);
    trained[3] = 1;
    trained[7] = 1;
    const two = frozenFoldIn(bundle.neumf.weightValues().shape, values, trained);
    for (let h = 0; h < half; h++) expect(two.initMlp[h]).toBeCloseTo((values[2][3 * half + h] + values[2][7 * half + h]) / 2, 6);
  });

  it('empty picks give the mean-user scores', () => {
    const out = new Float32Array(bundle.parts.nItems);
    foldInScores(model, [], out);
    const expected = new Float32Array(bundle.parts.nItems);
    scoreWithUserVector(model, model.initGmf, model.initMlp, expected);
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  it('the joint fit raises the liked movies and lowers the disliked ones, deterministically', () => {
    const n = bundle.parts.nItems;
    // Horror picks, Romance dislikes (ids 5, 11, 17 are Romance-first in the fixture).
    const liked = ids([4, 10, 16]);
    const disliked = ids([5, 11, 17]);
    const start = new Float32Array(n);
    scoreWithUserVector(model, model.initGmf, model.initMlp, start);
    const user = fitFoldInUser(model, liked, disliked);
    const fitted = new Float32Array(n);
    scoreWithUserVector(model, user.gmf, user.mlp, fitted);
    expect(mean(fitted, liked)).toBeGreaterThan(mean(start, liked) + 0.5);
    expect(mean(fitted, disliked)).toBeLessThan(mean(start, disliked) - 0.5);
    // Liked movies end above the disliked ones.
    expect(Math.min(...liked.map((i) => fitted[i]))).toBeGreaterThan(Math.max(...disliked.map((i) => fitted[i])));
    const again = fitFoldInUser(model, liked, disliked);
    expect(Array.from(again.gmf)).toEqual(Array.from(user.gmf));
    expect(Array.from(again.mlp)).toEqual(Array.from(user.mlp));
    expect(liked).toEqual(ids([4, 10, 16]));
  });

  it('a person’s vector is the mean of their picks’ one-pick fits', () => {
    const liked = ids([4, 10, 16]);
    const singles = liked.map((i) => fitFoldInUser(model, [i], []));
    const user = foldInUser(model, liked);
    for (let f = 0; f < factors; f++) expect(user.gmf[f]).toBeCloseTo(singles.reduce((s, u) => s + u.gmf[f], 0) / 3, 6);
    for (let h = 0; h < half; h++) expect(user.mlp[h]).toBeCloseTo(singles.reduce((s, u) => s + u.mlp[h], 0) / 3, 6);
    // One pick is exactly that movie's fit, and the stored row is what fitFoldInUser gives.
    const one = foldInUser(model, [liked[1] as number]);
    expect(Array.from(one.gmf)).toEqual(Array.from((singles[1] as { gmf: Float32Array }).gmf));
    // The Horror picks lift the fixture's other Horror movies above the mean user's view of them.
    const n = bundle.parts.nItems;
    const start = new Float32Array(n);
    const scored = new Float32Array(n);
    scoreWithUserVector(model, model.initGmf, model.initMlp, start);
    foldInScores(model, liked, scored);
    expect(mean(scored, liked)).toBeGreaterThan(mean(start, liked) + 0.5);
  });

  it('uses one-pick vectors it is given, and rejects ones of the wrong size', () => {
    const { shape } = bundle.neumf.weightValues();
    const width = factors + half;
    const given = Float32Array.from({ length: shape.items * width }, (_, k) => (k % 7) / 10);
    const reused = foldInModel(shape, values, { perPick: given });
    expect(reused.perPick).toBe(given);
    expect(Array.from(foldInUser(reused, [2]).gmf)).toEqual(Array.from(given.slice(2 * width, 2 * width + factors)));
    expectCode(() => foldInModel(shape, values, { perPick: given.subarray(1) }), 'fold_in_shape');
  });

  it('with steps 0 the picks do not matter', () => {
    const n = bundle.parts.nItems;
    const still = foldInModel(bundle.neumf.weightValues().shape, values, { options: { ...FOLD_IN_DEFAULTS, steps: 0 } });
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    foldInScores(still, ids([4, 10]), a);
    foldInScores(still, [], b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('fold-in on a deeper random NeuMF', () => {
  // Three dense layers and non-zero biases: the bundle's NeuMF has a single MLP layer, so the
  // dense-tower forward and backward paths are only exercised here.
  const shape = { users: 4, items: 11, factors: 3, layers: [6, 5, 4, 3] };
  let values: Float32Array[];
  let model: FoldInModel;

  beforeAll(() => {
    const rng = createRng(99);
    const weights = createWeights(shape, 3);
    try {
      values = snapshotWeights(weights).map((v) => Float32Array.from(v, () => rng.next() * 1.6 - 0.8));
    } finally {
      disposeWeights(weights);
    }
    model = foldInModel(shape, values);
  });

  it('matches the tfjs NeuMF scorer for every user', () => {
    const weights = createWeights(shape, 3);
    const half = shape.layers[0] / 2;
    const out = new Float32Array(shape.items);
    let worst = 0;
    let spread = 0;
    try {
      restoreWeights(weights, values);
      for (let u = 0; u < shape.users; u++) {
        const expected = scoreUsersAllItems(weights, Int32Array.of(u));
        scoreWithUserVector(
          model,
          values[0].slice(u * shape.factors, (u + 1) * shape.factors),
          values[2].slice(u * half, (u + 1) * half),
          out,
        );
        for (let j = 0; j < shape.items; j++) {
          worst = Math.max(worst, Math.abs(out[j] - expected[j]));
          spread = Math.max(spread, Math.abs(expected[j] - expected[0]));
        }
      }
    } finally {
      disposeWeights(weights);
    }
    expect(worst).toBeLessThan(1e-4);
    expect(spread).toBeGreaterThan(0.1);
    expect(model.dense).toHaveLength(2);
  });

  it('scores listed movies exactly as the whole-catalogue pass does', () => {
    // The per-item path skips the inputs ReLU zeroed; the catalogue path sums every input. The same
    // products in the same order must give the same bits, or two-stage answers would drift.
    const { gmf, mlp } = fitFoldInUser(model, [1, 4], [6]);
    const all = new Float32Array(shape.items);
    scoreWithUserVector(model, gmf, mlp, all);
    const items = Uint32Array.of(10, 0, 3, 7, 3);
    const listed = new Float64Array(items.length);
    scoreItemsWithUserVector(model, gmf, mlp, items, listed);
    expect(Array.from(listed)).toEqual(Array.from(items, (j) => all[j]));
    expect(new Set(all).size).toBeGreaterThan(5);
  });

  it('scores listed movies as the catalogue pass does through 8-wide output tiles and single outputs, and matches tfjs', () => {
    // 12 → 13 outputs runs one tile of 8 and five single outputs; 13 → 4 four single outputs.
    const wide = { users: 3, items: 9, factors: 2, layers: [8, 12, 13, 4] };
    const rng = createRng(7);
    const weights = createWeights(wide, 3);
    try {
      const wideValues = snapshotWeights(weights).map((v) => Float32Array.from(v, () => rng.next() * 1.2 - 0.6));
      restoreWeights(weights, wideValues);
      const tower = foldInModel(wide, wideValues);
      const { gmf, mlp } = fitFoldInUser(tower, [2, 5], []);
      const all = new Float32Array(wide.items);
      scoreWithUserVector(tower, gmf, mlp, all);
      const items = Uint32Array.from({ length: wide.items }, (_, j) => wide.items - 1 - j);
      const listed = new Float64Array(items.length);
      scoreItemsWithUserVector(tower, gmf, mlp, items, listed);
      expect(Array.from(listed)).toEqual(Array.from(items, (j) => all[j]));
      expect(new Set(all).size).toBeGreaterThan(5);
      const expected = scoreUsersAllItems(weights, Int32Array.of(1));
      const userOne = new Float32Array(wide.items);
      scoreWithUserVector(tower, wideValues[0].slice(2, 4), wideValues[2].slice(4, 8), userOne);
      for (let j = 0; j < wide.items; j++) expect(userOne[j]).toBeCloseTo(expected[j], 4);
    } finally {
      disposeWeights(weights);
    }
  });

  it('rejects a model without MLP layers', () => {
    expectCode(() => foldInModel({ ...shape, layers: [6] }, values), 'fold_in_shape');
  });

  it('takes its first Adam step along the true gradient of the loss', () => {
    // With no sampled negatives and no L2, step 1 of Adam moves each parameter by −lr·sign(g), where g
    // is the gradient of the mean logistic loss over the picks. The logit is linear in the GMF vector
    // and piecewise linear in the MLP vector, so finite differences give the exact Jacobian.
    const liked = [0, 3, 5];
    const disliked = [7, 9];
    const lr = 0.01;
    const { factors, half } = model;
    const n = shape.items;
    const gmf = model.initGmf.slice();
    const mlp = model.initMlp.slice();
    const base = new Float32Array(n);
    scoreWithUserVector(model, gmf, mlp, base);
    const eps = 1e-2;
    const jacobian: Float64Array[] = [];
    for (let p = 0; p < factors + half; p++) {
      const vec = p < factors ? gmf : mlp;
      const at = p < factors ? p : p - factors;
      const plus = new Float32Array(n);
      const minus = new Float32Array(n);
      const keep = vec[at];
      vec[at] = keep + eps;
      scoreWithUserVector(model, gmf, mlp, plus);
      vec[at] = keep - eps;
      scoreWithUserVector(model, gmf, mlp, minus);
      vec[at] = keep;
      jacobian.push(Float64Array.from(plus, (x, j) => (x - minus[j]) / (2 * eps)));
    }
    const rows: Array<[number, number]> = [...liked.map((i): [number, number] => [i, 1]), ...disliked.map((i): [number, number] => [i, 0])];
    const grad = jacobian.map((col) => rows.reduce((s, [i, y]) => s + (1 / (1 + Math.exp(-base[i])) - y) * col[i], 0) / rows.length);
    expect(grad.every((g) => Math.abs(g) > 1e-6)).toBe(true);
    const predicted = Float64Array.from({ length: n }, (_, j) => jacobian.reduce((s, col, p) => s - lr * Math.sign(grad[p]) * col[j], 0));

    const stepped = new Float32Array(n);
    const one = fitFoldInUser(model, liked, disliked, { steps: 1, learningRate: lr, negatives: 0, l2: 0 });
    scoreWithUserVector(model, one.gmf, one.mlp, stepped);
    let scale = 0;
    let error = 0;
    for (let j = 0; j < n; j++) {
      scale = Math.max(scale, Math.abs(predicted[j]));
      error = Math.max(error, Math.abs(stepped[j] - base[j] - predicted[j]));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(error / scale).toBeLessThan(1e-3);

    // And many steps lower the loss itself.
    const loss = (scores: Float32Array) => rows.reduce((s, [i, y]) => s + Math.log1p(Math.exp(y === 1 ? -scores[i] : scores[i])), 0);
    const fitted = new Float32Array(n);
    const many = fitFoldInUser(model, liked, disliked, { steps: 30, learningRate: 0.05, negatives: 0, l2: 0 });
    scoreWithUserVector(model, many.gmf, many.mlp, fitted);
    expect(loss(stepped)).toBeLessThan(loss(base));
    expect(loss(fitted)).toBeLessThan(loss(stepped));
  });
});

describe('standardize / blend', () => {
  it('standardize gives mean 0 and sd 1', () => {
    const z = standardize(Float32Array.of(1, 2, 3, 4, 10));
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(mean).toBeCloseTo(0, 6);
    expect(sd).toBeCloseTo(1, 6);
    // Order is kept.
    for (let j = 1; j < z.length; j++) expect(z[j]).toBeGreaterThan(z[j - 1]);
  });

  it('standardize maps a constant (or empty) vector to zeros', () => {
    expect(Array.from(standardize(Float32Array.of(3, 3, 3)))).toEqual([0, 0, 0]);
    expect(standardize(new Float32Array(0))).toHaveLength(0);
  });

  it('blend sums weight × z and skips weight-0 or missing signals', () => {
    const z = {
      content: Float32Array.of(1, -1, 0),
      genre: Float32Array.of(Number.NaN, Number.NaN, Number.NaN),
      popularity: Float32Array.of(0.5, 0.5, -1),
    };
    const weights: SignalWeights = { popularity: 2, content: 3, foldIn: 7, itemItem: 1, genre: 0 };
    const out = Float32Array.of(9, 9, 9);
    const got = blend(z, weights, out);
    expect(got).toBe(out);
    // genre is NaN but weight 0, so it must not be read; foldIn/itemItem are missing.
    expect(Array.from(out)).toEqual([4, -2, -2]);
  });
});

describe('blend weights', () => {
  const w = (value: number): SignalWeights => ({ popularity: value, content: 0, foldIn: 0, itemItem: 0, genre: 0 });
  const weights: BlendWeights = {
    buckets: [
      { upTo: 1, weights: w(1) },
      { upTo: 3, weights: w(2) },
      { upTo: 7, weights: w(3) },
      { upTo: 20, weights: w(4) },
    ],
    tunedOn: 'test',
  };

  it('weightsFor picks the first bucket with picks ≤ upTo, else the last', () => {
    const pick = (n: number) => weightsFor(weights, n).popularity;
    expect([0, 1, 2, 3, 4, 7, 8, 20, 21, 500].map(pick)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 4, 4]);
    expectCode(() => weightsFor({ buckets: [], tunedOn: '' }, 1), 'blend_empty');
  });

  it('parseBlendWeights accepts a valid file and defaults tunedOn', () => {
    const json = JSON.parse(JSON.stringify({ buckets: weights.buckets }));
    const parsed = parseBlendWeights(json, 'x.json');
    expect(parsed.buckets).toEqual(weights.buckets);
    expect(parsed.tunedOn).toBe('unknown');
  });

  it('parseBlendWeights rejects malformed input with blend_invalid naming the source', () => {
    const good = { upTo: 1, weights: w(1) };
    const withoutGenre: Partial<SignalWeights> = { ...w(1) };
    delete withoutGenre.genre;
    const bad: unknown[] = [
      null,
      undefined,
      5,
      'buckets',
      {},
      { buckets: [] },
      { buckets: {} },
      { buckets: [{ weights: w(1) }] },
      { buckets: [{ upTo: '1', weights: w(1) }] },
      { buckets: [{ upTo: 1 }] },
      { buckets: [{ upTo: 1, weights: withoutGenre }] },
      { buckets: [good, { upTo: 2, weights: { ...w(1), content: '1' } }] },
      { buckets: [{ upTo: 1, weights: { ...w(1), foldIn: Number.NaN } }] },
      { buckets: [{ upTo: 1, weights: { ...w(1), itemItem: Number.POSITIVE_INFINITY } }] },
    ];
    for (const value of bad) {
      const error = expectCode(() => parseBlendWeights(value, 'dir/service.json'), 'blend_invalid');
      expect(error.message).toContain('dir/service.json');
    }
  });

  // A null bucket once escaped as a TypeError instead of blend_invalid.
  it('parseBlendWeights rejects a null bucket with blend_invalid', () => {
    expectCode(() => parseBlendWeights({ buckets: [null] }, 'service.json'), 'blend_invalid');
  });
});

describe('tuneWeights', () => {
  it('gives the one informative signal the largest weight and reaches NDCG 1', () => {
    const nItems = 40;
    const rng = createRng(12);
    const noise = () => standardize(Float32Array.from({ length: nItems }, () => rng.next()));
    const informative: SignalName = 'itemItem';
    const prepared = Array.from({ length: 25 }, () => {
      const relevant = rng.int(nItems);
      let pick = rng.int(nItems);
      while (pick === relevant) pick = rng.int(nItems);
      // The informative signal ranks the relevant item first (after the pick, which is excluded).
      const signal = Float32Array.from({ length: nItems }, () => rng.next() * 0.5);
      signal[relevant] = 1;
      signal[pick] = 2;
      const z: Partial<Record<SignalName, Float32Array>> = {};
      for (const name of SIGNALS) z[name] = name === informative ? standardize(signal) : noise();
      return { z, picks: [pick], relevant: new Set([relevant]) };
    });
    const { weights, ndcg } = tuneWeights(prepared, nItems);
    expect(ndcg).toBeCloseTo(1, 9);
    for (const name of SIGNALS) if (name !== informative) expect(weights[informative]).toBeGreaterThan(weights[name]);

    // The noise is strong enough that equal weights do not already solve it.
    const out = new Float32Array(nItems);
    let hitsAtOne = 0;
    for (const p of prepared) {
      blend(p.z, { popularity: 1, content: 1, foldIn: 1, itemItem: 1, genre: 1 }, out);
      out[p.picks[0]] = Number.NEGATIVE_INFINITY;
      const best = out.indexOf(Math.max(...out));
      if (p.relevant.has(best)) hitsAtOne++;
    }
    expect(hitsAtOne).toBeLessThan(prepared.length);
  });
});
