import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleKernels } from '../scripts/assemble-kernels.mjs';
import { createRng } from '../src/recsys/random.js';
import { contentMoments } from '../src/service/catalogue-stats.js';
import { attachKernels, KERNEL_CHUNK, kernelsFor, placeInKernelMemory } from '../src/service/kernels/index.js';
import { KERNELS_WASM_BASE64, KERNELS_WAT_SHA256 } from '../src/service/kernels/kernels-wasm.js';
import { dotFrom } from '../src/service/signals/content.js';
import { frozenFoldIn, scoreItemsWithUserVector, scoreWithUserVector } from '../src/service/signals/fold-in.js';

// The kernels promise the TypeScript loops' bits, not merely close values: each case below runs
// the same inputs through both, unplaced (TypeScript) and placed in kernel memory (WebAssembly).

const rng = createRng(7);
const random = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() - 0.5) * scale);
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (x, i) => Object.is(x, b[i] as number)).every(Boolean);

/** A model placed and attached on this thread (slot 0), as startRanking does. */
function placed<T>(value: T): T {
  const placement = placeInKernelMemory(value, 1);
  attachKernels(placement.memory, 0);
  return placement.value;
}

describe('kernels module', () => {
  it('is the assembly of kernels.wat as committed (run `npm run build:kernels` after editing it)', async () => {
    const text = readFileSync(new URL('../src/service/kernels/kernels.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(KERNELS_WAT_SHA256);
    expect(Buffer.from(await assembleKernels(text)).toString('base64')).toBe(KERNELS_WASM_BASE64);
  });
});

describe('dotRows', () => {
  for (const n of [1, 3, 4, 7, 16, 255, 256]) {
    it(`sums as dotFrom does at ${n} dimensions, listed rows and a run of rows`, () => {
      const rowsCount = 50;
      const rows = placed({ v: random(rowsCount * n) }).v;
      const x = random(n);
      const items = Uint32Array.from({ length: 40 }, () => rng.int(rowsCount));
      const got = new Float64Array(items.length);
      kernelsFor(rows)?.dotRows(x, rows, n, items, 0, items.length, got);
      expect(
        sameBits(
          got,
          Array.from(items, (row) => dotFrom(x, 0, rows, row * n, n)),
        ),
      ).toBe(true);
      const run = new Float64Array(20);
      kernelsFor(rows)?.dotRows(x, rows, n, null, 30, 20, run);
      expect(
        sameBits(
          run,
          Array.from(run, (_, c) => dotFrom(x, 0, rows, (30 + c) * n, n)),
        ),
      ).toBe(true);
    });
  }

  it('handles more rows than one chunk, from a list already in kernel memory', () => {
    const count = KERNEL_CHUNK * 2 + 5;
    const model = placed({ rows: random(count * 8), order: Uint32Array.from({ length: count }, (_, i) => count - 1 - i) });
    const x = random(8);
    const got = new Float32Array(count);
    kernelsFor(model.rows)?.dotRows(x, model.rows, 8, model.order, 0, count, got);
    expect(
      sameBits(
        got,
        Float32Array.from(model.order, (row) => dotFrom(x, 0, model.rows, row * 8, 8)),
      ),
    ).toBe(true);
  });

  it('refuses rows outside the kernel memory, naming them', () => {
    const kernels = kernelsFor(placed({ v: random(4) }).v);
    expect(() => kernels?.dotRows(random(4), random(8), 4, null, 0, 2, new Float64Array(2))).toThrow(
      /the rows is not in the kernel memory/,
    );
  });
});

describe('contentMoments', () => {
  it('gives the same mean and spread from kernel memory', () => {
    const dim = 37;
    const content = { dim, mean: Float64Array.from(random(dim)), upper: random((dim * (dim + 1)) / 2, 0.1) };
    const stats = { content } as Parameters<typeof contentMoments>[0];
    const taste = random(dim);
    taste[5] = 0;
    const reference = contentMoments(stats, taste);
    const kernel = contentMoments({ content: placed(content) } as typeof stats, taste);
    expect(Object.is(kernel.mean, reference.mean) && Object.is(kernel.sd, reference.sd)).toBe(true);
  });
});

describe('foldInLogits', () => {
  // [64, 32, 16] is the served tower (eight-output passes); the odd one takes the two- and one-output paths.
  for (const layers of [
    [64, 32, 16],
    [10, 7, 5, 3],
  ]) {
    it(`scores listed movies and the whole catalogue as the TypeScript tower does (layers ${layers.join('-')})`, () => {
      const [users, items, factors] = [6, 300, 5];
      const half = (layers[0] as number) / 2;
      const sizes = [users * factors, items * factors, users * half, items * half];
      for (let l = 1; l < layers.length; l++) sizes.push((layers[l - 1] as number) * (layers[l] as number), layers[l] as number);
      sizes.push(factors + (layers.at(-1) as number), 1);
      const tower = frozenFoldIn(
        { users, items, factors, layers },
        sizes.map((n) => random(n, 0.8)),
      );
      const gmf = random(factors);
      const mlp = random(half);
      const listed = Uint32Array.from({ length: 90 }, () => rng.int(items));
      const reference = new Float64Array(listed.length);
      scoreItemsWithUserVector(tower, gmf, mlp, listed, reference);
      const everyReference = new Float32Array(items);
      scoreWithUserVector(tower, gmf, mlp, everyReference);

      const model = placed(tower);
      expect(kernelsFor(model.itemFirst)).not.toBeNull();
      const got = new Float64Array(listed.length);
      scoreItemsWithUserVector(model, gmf, mlp, listed, got);
      expect(sameBits(got, reference)).toBe(true);
      const every = new Float32Array(items);
      scoreWithUserVector(model, gmf, mlp, every);
      expect(sameBits(every, everyReference)).toBe(true);
      // Some units are switched off by ReLU, or the case would not test the zeros.
      expect(new Set(reference).size).toBeGreaterThan(10);
    });
  }
});

describe('kernel memory', () => {
  it('keeps values, shares one array placed twice, and leaves objects without arrays as they are', () => {
    const shared = new Float32Array([1, 2, 3]);
    const names = { title: 'x' };
    const { value, memory } = placeInKernelMemory({ a: shared, b: { again: shared, n: 3 }, names }, 2);
    expect(value.a).toEqual(shared);
    expect(value.b.again).toBe(value.a);
    expect(value.a.buffer).toBe(memory.buffer);
    expect(value.a.byteOffset % 16).toBe(0);
    expect(value.names).toBe(names);
    expect(() => attachKernels(memory, 2)).toThrow(/thread slot 2 is outside the kernel memory's 2 slots/);
  });
});
