import { describe, expect, it } from 'vitest';
import { createRng } from '../src/recsys/random.js';
import { strongest } from '../src/service/candidates.js';
import type { HybridParts, SignalWeights } from '../src/service/hybrid.js';
import { attachKernels, placeInKernelMemory } from '../src/service/kernels/index.js';
import {
  buildPrescoreBlocks,
  FULL_PASS_UP_TO,
  PRESCORE_BLOCK,
  type PrescoreInput,
  prescoreAll,
  prescoreTop,
} from '../src/service/prescore.js';

const FACTORS = 4;

/** What the prescore reads of the hybrid parts, for `n` movies: a skewed popularity and random GMF vectors. */
function partsOf(n: number, seed: number, integerPopularity: boolean): { parts: HybridParts; prior: Float32Array } {
  const rng = createRng(seed);
  const popularity = Float32Array.from({ length: n }, () => {
    const p = 1 / (1 + 50 * rng.next());
    return integerPopularity ? Math.round(p * 4) : p;
  });
  const gmfItem = Float32Array.from({ length: n * FACTORS }, () => rng.next() * 2 - 1);
  const parts = { nItems: n, popularity, foldIn: { factors: FACTORS, gmfItem } } as unknown as HybridParts;
  return { parts, prior: Float32Array.from({ length: n }, () => rng.next() - 0.5) };
}

function inputOf(n: number, prior: Float32Array, seed: number, weights: SignalWeights, withGmf: boolean): PrescoreInput {
  const rng = createRng(seed);
  const sets = 12;
  const touched = new Set<number>();
  while (touched.size < 40) touched.add(rng.int(n));
  return {
    weights,
    moments: { popularity: { mean: 0.1, sd: 0.2 }, genre: { mean: 0, sd: 1 }, foldIn: { mean: 0, sd: 2 }, itemItem: { mean: 0, sd: 0.5 } },
    genreSets: Float32Array.from({ length: sets }, () => rng.next()),
    setOf: Uint32Array.from({ length: n }, () => rng.int(sets)),
    mlpPrior: prior,
    itemItem: { items: Uint32Array.from(touched), values: Float64Array.from(touched, () => rng.next() * 2 - 0.5) },
    gmf: withGmf ? Float32Array.from({ length: FACTORS }, () => rng.next() * 2 - 1) : null,
  };
}

/** The top k of every movie's prescore, ties to the lower movie. */
function fullTop(all: Float32Array, k: number): number[] {
  return Array.from(all.keys())
    .sort((a, b) => (all[b] as number) - (all[a] as number) || a - b)
    .slice(0, k)
    .sort((a, b) => a - b);
}

const WEIGHTS: Array<[string, SignalWeights]> = [
  ['popularity-led', { popularity: 4, content: 0, genre: 0.1, itemItem: 1, foldIn: 2 }],
  ['fold-in-led', { popularity: 0.5, content: 0, genre: 0.5, itemItem: 1, foldIn: 4 }],
  ['negative weights', { popularity: -1, content: 0, genre: -0.5, itemItem: -1, foldIn: -2 }],
  ['item-item off', { popularity: 2, content: 0, genre: 1, itemItem: 0, foldIn: 1 }],
];

describe('prescoreTop', () => {
  for (const [name, weights] of WEIGHTS) {
    for (const withGmf of [true, false]) {
      it(`gives the full pass's top 200, ${name}, ${withGmf ? 'with' : 'without'} a fold-in vector`, () => {
        for (const seed of [1, 2, 3]) {
          const n = 3000 + seed * 37;
          const { parts, prior } = partsOf(n, seed, false);
          const input = inputOf(n, prior, seed + 10, weights, withGmf);
          const blocks = buildPrescoreBlocks(parts, prior);
          const mark = new Uint8Array(n);
          const got = prescoreTop(parts, blocks, input, 200, mark);
          expect([...got.top].sort((a, b) => a - b)).toEqual(fullTop(prescoreAll(parts, input), 200));
          expect(mark.every((m) => m === 0)).toBe(true);
        }
      });
    }
  }

  it('prescores over kernel memory (WebAssembly) exactly as the TypeScript loop does, and finds the same top', () => {
    for (const withGmf of [true, false]) {
      const n = 3000;
      const { parts, prior } = partsOf(n, 21, false);
      const input = inputOf(n, prior, 22, WEIGHTS[0]?.[1] as SignalWeights, withGmf);
      const placement = placeInKernelMemory({ parts, setOf: input.setOf, prior }, 1);
      attachKernels(placement.memory, 0);
      const placed = placement.value;
      const placedInput = { ...input, setOf: placed.setOf, mlpPrior: placed.prior };
      const reference = prescoreAll(parts, input);
      const viaKernels = prescoreAll(placed.parts, placedInput);
      expect(Array.from(viaKernels).every((x, j) => Object.is(x, reference[j]))).toBe(true);
      const blocks = placeInKernelMemory(buildPrescoreBlocks(parts, prior), 1).value;
      const top = prescoreTop(placed.parts, blocks, placedInput, 200, new Uint8Array(n)).top;
      expect([...top].sort((a, b) => a - b)).toEqual(fullTop(reference, 200));
    }
  });

  it('breaks ties as the full pass does (the lower movie), with many equal scores', () => {
    const n = 4000;
    const { parts, prior } = partsOf(n, 5, true);
    // Integer popularity and no fold-in vector: whole blocks score the same.
    const input = inputOf(n, prior, 6, { popularity: 1, content: 0, genre: 0, itemItem: 0, foldIn: 0 }, false);
    const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 150, new Uint8Array(n));
    expect([...got.top].sort((a, b) => a - b)).toEqual(fullTop(prescoreAll(parts, input), 150));
  });

  it('scores only part of a catalogue whose prescore popularity leads', () => {
    const n = 20_000;
    const { parts, prior } = partsOf(n, 7, false);
    const input = inputOf(n, prior, 8, WEIGHTS[0]?.[1] as SignalWeights, true);
    const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 200, new Uint8Array(n));
    expect(got.scored).toBeLessThan(n / 2);
    expect(got.scored).toBeGreaterThanOrEqual(200);
    expect(PRESCORE_BLOCK).toBeGreaterThan(1);
  });

  it("gives the full pass's list in strongest's order, with ties and exclusions", () => {
    const n = 1500;
    const { parts, prior } = partsOf(n, 13, true);
    const input = inputOf(n, prior, 14, { popularity: 1, content: 0, genre: 0, itemItem: 0, foldIn: 0 }, false);
    const exclude = Uint8Array.from({ length: n }, (_, j) => (j % 7 === 3 ? 1 : 0));
    const all = prescoreAll(parts, input);
    const open = Array.from({ length: n }, (_, j) => j).filter((j) => exclude[j] === 0);
    for (const k of [1, 150, open.length - 1, open.length, n]) {
      const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), { ...input, exclude }, k, new Uint8Array(n));
      expect(got.top).toEqual(
        Array.from(
          strongest(
            open,
            open.map((j) => all[j] as number),
            k,
          ),
        ),
      );
    }
  });

  it('takes the full pass on a small catalogue', () => {
    const n = FULL_PASS_UP_TO;
    const { parts, prior } = partsOf(n, 11, false);
    const input = inputOf(n, prior, 12, WEIGHTS[0]?.[1] as SignalWeights, true);
    const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 200, new Uint8Array(n));
    expect(got.scored).toBe(n);
    expect([...got.top].sort((a, b) => a - b)).toEqual(fullTop(prescoreAll(parts, input), 200));
  });

  it('selects only movies the request allows, and k of them when there are', () => {
    for (const n of [FULL_PASS_UP_TO, 6000]) {
      const { parts, prior } = partsOf(n, 13, false);
      const rng = createRng(14);
      // A genre filter's shape: most of the catalogue excluded, the item-item movies included.
      const exclude = Uint8Array.from({ length: n }, () => (rng.next() < 0.9 ? 1 : 0));
      const input = { ...inputOf(n, prior, 15, WEIGHTS[1]?.[1] as SignalWeights, true), exclude };
      const mark = new Uint8Array(n);
      const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 200, mark);
      const all = prescoreAll(parts, input);
      const allowed = Float32Array.from(all, (v, j) => (exclude[j] === 1 ? Number.NEGATIVE_INFINITY : v));
      expect(got.top).toHaveLength(200);
      expect(got.top.every((j) => exclude[j] === 0)).toBe(true);
      expect([...got.top].sort((a, b) => a - b)).toEqual(fullTop(allowed, 200));
      expect(mark.every((m) => m === 0)).toBe(true);
    }
  });

  it('returns every allowed movie when there are no more than k', () => {
    const n = 6000;
    const { parts, prior } = partsOf(n, 16, false);
    const exclude = Uint8Array.from({ length: n }, (_, j) => (j % 50 === 7 ? 0 : 1));
    const input = { ...inputOf(n, prior, 17, WEIGHTS[0]?.[1] as SignalWeights, true), exclude };
    const got = prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 200, new Uint8Array(n));
    expect([...got.top].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i * 50 + 7));
  });

  it('returns every movie when there are no more than k', () => {
    const { parts, prior } = partsOf(50, 9, false);
    const input = inputOf(50, prior, 10, WEIGHTS[0]?.[1] as SignalWeights, true);
    expect(prescoreTop(parts, buildPrescoreBlocks(parts, prior), input, 200, new Uint8Array(50)).top).toEqual(
      Array.from({ length: 50 }, (_, j) => j),
    );
  });
});
