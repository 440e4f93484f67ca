import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendLoaders, type BackendName, defaultLoaders, initBackend } from '../src/recsys/ncf/backend.js';
import { registerSegmentSumKernel } from '../src/recsys/ncf/segment-sum-kernel.js';

/** Fake loaders: the named backends throw `<name> is broken`, the rest succeed; every call is recorded. */
function fakeLoaders(failing: BackendName[], real: Partial<BackendLoaders> = {}): { loaders: BackendLoaders; calls: BackendName[] } {
  const calls: BackendName[] = [];
  const make = (name: BackendName) => async (): Promise<void> => {
    calls.push(name);
    if (failing.includes(name)) throw new Error(`${name} is broken\nsecond line of the stack`);
    await real[name]?.();
  };
  return { loaders: { tensorflow: make('tensorflow'), wasm: make('wasm'), cpu: make('cpu') }, calls };
}

/** Runs initBackend and returns its result together with every line it logged. */
async function init(options: Parameters<typeof initBackend>[0] = {}) {
  const lines: string[] = [];
  const choice = await initBackend({ ...options, log: (line) => lines.push(line) });
  return { choice, lines };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

// Injected loaders overwrite initBackend's cached choice, so put the real backend back explicitly
// (a bare initBackend() would return the cached fake choice without loading anything).
afterAll(async () => {
  const choice = await initBackend({ loaders: defaultLoaders, log: () => {} });
  expect(choice.name).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

describe('initBackend with the real loaders', () => {
  it('ends on wasm here, recording and logging why tfjs-node was skipped', async () => {
    const { choice, lines } = await init({ loaders: defaultLoaders });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0]?.name).toBe('tensorflow');
    expect(choice.skipped[0]?.reason).toContain("Cannot find package '@tensorflow/tfjs-node'");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"wasm"');
    expect(lines[0]).toContain('tensorflow unavailable');
  });

  it('returns the cached choice on later default calls without reloading or logging', async () => {
    const first = await initBackend({ loaders: defaultLoaders, log: () => {} });
    const { choice, lines } = await init();
    expect(choice).toBe(first);
    expect(lines).toEqual([]);
  });
});

describe('initBackend fallback order (injected loaders)', () => {
  it('uses tensorflow when it loads, trying nothing else and logging the choice once', async () => {
    const { loaders, calls } = fakeLoaders([]);
    const { choice, lines } = await init({ loaders });
    expect(choice).toEqual({ name: 'tensorflow', skipped: [] });
    expect(calls).toEqual(['tensorflow']);
    expect(lines).toEqual(['reelrec: TensorFlow.js backend "tensorflow" (first choice)']);
  });

  it('falls back to wasm when tensorflow throws, recording the first line of its reason and logging it', async () => {
    const { loaders, calls } = fakeLoaders(['tensorflow'], { wasm: defaultLoaders.wasm });
    const { choice, lines } = await init({ loaders });
    expect(calls).toEqual(['tensorflow', 'wasm']);
    expect(choice).toEqual({ name: 'wasm', skipped: [{ name: 'tensorflow', reason: 'tensorflow is broken' }] });
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"wasm"');
    expect(lines[0]).toContain('tensorflow unavailable: tensorflow is broken');
  });

  it('falls back to cpu when tensorflow and wasm throw', async () => {
    const { loaders, calls } = fakeLoaders(['tensorflow', 'wasm'], { cpu: defaultLoaders.cpu });
    const { choice, lines } = await init({ loaders });
    expect(calls).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(choice.name).toBe('cpu');
    expect(choice.skipped).toEqual([
      { name: 'tensorflow', reason: 'tensorflow is broken' },
      { name: 'wasm', reason: 'wasm is broken' },
    ]);
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"cpu"');
    expect(lines[0]).toContain('tensorflow unavailable: tensorflow is broken');
    expect(lines[0]).toContain('wasm unavailable: wasm is broken');
  });

  it('fails with an error naming all three backends and their reasons when none loads', async () => {
    const { loaders, calls } = fakeLoaders(['tensorflow', 'wasm', 'cpu']);
    const error = await rejection(init({ loaders }));
    expect(calls).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(error.message).toMatch(/no TensorFlow\.js backend could be started/);
    expect(error.message).toContain('tensorflow: tensorflow is broken');
    expect(error.message).toContain('wasm: wasm is broken');
    expect(error.message).toContain('cpu: cpu is broken');
    expect(error.message).not.toContain('second line');
  });

  it("records a non-Error throw's string as the reason", async () => {
    const loaders: BackendLoaders = {
      tensorflow: () => Promise.reject('plain string'),
      wasm: () => Promise.resolve(),
      cpu: () => Promise.resolve(),
    };
    const { choice } = await init({ loaders });
    expect(choice).toEqual({ name: 'wasm', skipped: [{ name: 'tensorflow', reason: 'plain string' }] });
  });

  it("prefer: 'cpu' only tries cpu", async () => {
    const { loaders, calls } = fakeLoaders([]);
    const { choice, lines } = await init({ prefer: 'cpu', loaders });
    expect(calls).toEqual(['cpu']);
    expect(choice).toEqual({ name: 'cpu', skipped: [] });
    expect(lines).toEqual(['reelrec: TensorFlow.js backend "cpu" (first choice)']);
  });

  it("prefer: 'cpu' fails (no fallback) when cpu cannot load", async () => {
    const { loaders, calls } = fakeLoaders(['cpu']);
    const error = await rejection(init({ prefer: 'cpu', loaders }));
    expect(calls).toEqual(['cpu']);
    expect(error.message).toContain('cpu: cpu is broken');
    expect(error.message).not.toContain('tensorflow');
    expect(error.message).not.toContain('wasm:');
  });
});

/** The gradient of sum(gather(table, ids) ⊙ coeff) w.r.t. table, computed by hand: a scatter-add of coeff's rows. */
function handScatterAdd(rows: number, width: number, ids: number[], coeff: Float32Array): Float32Array {
  const out = new Float32Array(rows * width);
  ids.forEach((row, k) => {
    for (let c = 0; c < width; c++) out[row * width + c] = (out[row * width + c] as number) + (coeff[k * width + c] as number);
  });
  return out;
}

function gatherGradient(tableValues: Float32Array, rows: number, width: number, ids: number[], coeff: Float32Array): Float32Array {
  return tf.tidy(() => {
    const table = tf.tensor2d(tableValues, [rows, width]);
    const idx = tf.tensor1d(ids, 'int32');
    const c = tf.tensor2d(coeff, [ids.length, width]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), c)));
    return grad(table).dataSync() as Float32Array;
  });
}

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

describe.each(['wasm', 'cpu'] as const)('UnsortedSegmentSum kernel on %s (gradient of tf.gather)', (backend) => {
  beforeAll(async () => {
    await initBackend({ loaders: defaultLoaders, log: () => {} });
    registerSegmentSumKernel(backend);
    expect(await tf.setBackend(backend)).toBe(true);
  });
  afterAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('is the custom kernel (recognisable by its float32-only check)', () => {
    expect(tf.getBackend()).toBe(backend);
    expect(tf.getKernel('UnsortedSegmentSum', backend)).toBeDefined();
    expect(() => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([0, 1], 'int32'), 2))).toThrow(
      /only float32 is supported, got int32/,
    );
  });

  it('scatter-adds upstream gradients for repeated indices (small table, by hand)', () => {
    expect(tf.getBackend()).toBe(backend);
    // 5 rows × 3: row 0 is looked up three times, row 2 twice, rows 1 and 3 never.
    const ids = [0, 2, 2, 4, 0, 0];
    const coeff = Float32Array.from([1, 2, 3, 10, 20, 30, 100, 200, 300, -1, -2, -3, 0.5, 0.25, 0.125, 4, 5, 6]);
    const grad = gatherGradient(values(15, 1), 5, 3, ids, coeff);
    // biome-ignore format: the matrix reads best row by row
    const expected = [
      1 + 0.5 + 4, 2 + 0.25 + 5, 3 + 0.125 + 6,
      0, 0, 0,
      10 + 100, 20 + 200, 30 + 300,
      0, 0, 0,
      -1, -2, -3,
    ];
    expect(Array.from(grad)).toEqual(expected);
  });

  it('matches a hand scatter-add on a larger random lookup', () => {
    const rows = 40;
    const width = 6;
    let s = 7;
    const ids = Array.from({ length: 300 }, () => {
      s = (s * 48271) % 2147483647;
      return s % rows;
    });
    const coeff = values(ids.length * width, 3);
    const grad = gatherGradient(values(rows * width, 2), rows, width, ids, coeff);
    const expected = handScatterAdd(rows, width, ids, coeff);
    expect(grad).toHaveLength(expected.length);
    for (let i = 0; i < expected.length; i++) expect(grad[i]).toBeCloseTo(expected[i] as number, 4);
  });

  it('handles a 3-d table (the segment width is the product of the trailing dimensions)', () => {
    const grad = tf.tidy(() => {
      const table = tf.zeros([3, 2, 2]);
      const idx = tf.tensor1d([2, 2, 0], 'int32');
      const c = tf.tensor3d(
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [10, 20],
            [30, 40],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
        [3, 2, 2],
      );
      return tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), c)))(table)
        .arraySync();
    });
    expect(grad).toEqual([
      [
        [5, 6],
        [7, 8],
      ],
      [
        [0, 0],
        [0, 0],
      ],
      [
        [11, 22],
        [33, 44],
      ],
    ]);
  });
});
