import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MostPopular } from '../src/recsys/baselines/most-popular.js';
import { RatingsBuilder } from '../src/recsys/data/ratings-table.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { evaluateVariants } from '../src/recsys/eval/evaluate.js';
import { stratifiedSplit } from '../src/recsys/eval/splits.js';

const U_DATA = '/work/shared/data/ml-100k/u.data';

/** Minimal u.data reader (the real loader lives elsewhere): item index = item id − 1. */
function readUData(path: string): RatingsTable {
  const b = new RatingsBuilder(100_000);
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [u, i, r, t] = line.split('\t').map(Number);
    b.push(u as number, (i as number) - 1, r as number, t as number);
  }
  return b.finish(Int32Array.from({ length: 1682 }, (_, j) => j + 1));
}

// Microsoft Recommenders' most-popular on ml-100k, stratified 75/25 (seed 42), seen items removed, k = 10.
// Our RNG is not numpy's, so "seed 42" is a different split. Ours is a low draw: over 30 seeds
// NDCG@10 spans 0.237–0.255 and seed 42 is the minimum (0.2372; P 0.2158, R 0.1082, MAP 0.0507).
// MS's exact cut (floor, `cut: 'floor'`) adds ~0.005 to P and NDCG. The 0.02 band is seed noise, not slack for bugs.
const ANCHORS = { map: 0.055, ndcg: 0.2529, precision: 0.2246, recall: 0.1117 };

describe.skipIf(!existsSync(U_DATA))('ml-100k most-popular sanity', () => {
  it('lands within 0.02 of the MS Recommenders figures', async () => {
    const table = readUData(U_DATA);
    expect(table.length).toBe(100_000);
    expect(table.userIds.length).toBe(943);
    const split = stratifiedSplit(table, { ratio: 0.75, seed: 42 });
    const rec = new MostPopular();
    await rec.fit(split.train);
    const [all, liked] = await evaluateVariants(rec, split, { k: 10, relevances: ['all', 'rating>=4'] });
    console.log('ml-100k most-popular', JSON.stringify({ all, liked }));
    expect(all?.users).toBe(943);
    for (const [metric, anchor] of Object.entries(ANCHORS)) {
      expect(Math.abs((all?.[metric as keyof typeof ANCHORS] ?? Number.NaN) - anchor), metric).toBeLessThan(0.02);
    }
  });
});
