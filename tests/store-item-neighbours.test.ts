import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interleaveNeighbours, itemNeighbours } from '../src/store/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** n unit vectors around a few directions, so neighbours are well defined; row 3 has no vector. */
function vectors(n: number, dim: number): Float32Array {
  let s = 9;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (i === 3) continue;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = (d === i % dim ? 2 : 0) + next();
      out[i * dim + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < dim; d++) out[i * dim + d] = (out[i * dim + d] as number) / Math.sqrt(norm);
  }
  return out;
}

describe('item neighbours (LanceDB ANN)', () => {
  it('lists each movie’s k nearest (never itself, none for a movie without a vector) and measures recall', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelrec-neighbours-'));
    dirs.push(dir);
    const dim = 8;
    const n = 300;
    const v = vectors(n, dim);
    const lists = await itemNeighbours(dir, 'text', v, dim, { k: 5, ef: 100, recallQueries: 50 });
    expect(lists.indexed).toBe(true);
    expect(lists.offsets.length).toBe(n + 1);
    expect(lists.offsets[4]).toBe(lists.offsets[3]);
    for (let i = 0; i < n; i++) {
      if (i === 3) continue;
      const row = Array.from(lists.targets.subarray(lists.offsets[i], lists.offsets[i + 1]));
      expect(row).toHaveLength(5);
      expect(row).not.toContain(i);
      expect(row).not.toContain(3);
    }
    expect(lists.recallAtK).toBeGreaterThan(0.8);
    expect(lists.recallAtK).toBeLessThanOrEqual(1);
  }, 60_000);

  it('interleaves two lists per movie without duplicates', () => {
    const a = { offsets: Uint32Array.from([0, 3, 3]), targets: Uint32Array.from([5, 6, 7]) };
    const b = { offsets: Uint32Array.from([0, 2, 3]), targets: Uint32Array.from([6, 9, 4]) };
    const merged = interleaveNeighbours(a, b);
    expect(Array.from(merged.offsets)).toEqual([0, 4, 5]);
    expect(Array.from(merged.targets)).toEqual([5, 6, 9, 7, 4]);
  });
});
