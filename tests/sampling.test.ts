import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHardSampledDataset, HardSampler, LabelKind, labelRating, writeSampledCsv } from '../src/recsys/sampling/index.js';
import { makeTable, range } from './helpers/tables.js';

describe('labelRating', () => {
  it('follows the seed thresholds', () => {
    expect([5, 4.5, 4].map(labelRating)).toEqual([LabelKind.HardPositive, LabelKind.HardPositive, LabelKind.HardPositive]);
    expect([3.5, 3].map(labelRating)).toEqual([LabelKind.SoftPositive, LabelKind.SoftPositive]);
    expect([2.5, 2].map(labelRating)).toEqual([LabelKind.SoftNegative, LabelKind.SoftNegative]);
    expect([1, 0.5].map(labelRating)).toEqual([LabelKind.HardNegative, LabelKind.HardNegative]);
  });

  it('puts the half-star gap 1 < r < 2 with the hard negatives', () => {
    expect(labelRating(1.5)).toBe(LabelKind.HardNegative);
  });
});

describe('HardSampler', () => {
  // User 7 on a 20-movie catalogue (ids 101..120): positives 101 (5★) and 102 (3★);
  // hard negative 103 (1★); soft negatives 104 (2★) and 105 (2.5★). 2 positives × 4 = 8 negatives:
  // 103 first, then 104/105 in seeded order, then 5 unrated movies from 106..120.
  const items = range(101, 120);
  const table = makeTable(
    [
      [7, 101, 5],
      [7, 102, 3],
      [7, 103, 1],
      [7, 104, 2],
      [7, 105, 2.5],
    ],
    items,
  );

  it('takes hard negatives, then soft, then distinct unrated movies', () => {
    const data = buildHardSampledDataset(table, { seed: 1 });
    expect(data.length).toBe(10);
    const ids = Array.from(data.item, (i) => data.itemIds[i]);
    // Row layout: positive, its 4 negatives, positive, its 4 negatives.
    expect(ids[0]).toBe(101);
    expect(ids[5]).toBe(102);
    expect(Array.from(data.interaction)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const negatives = [...ids.slice(1, 5), ...ids.slice(6, 10)];
    expect(negatives[0]).toBe(103);
    expect(new Set(negatives.slice(1, 3))).toEqual(new Set([104, 105]));
    const unrated = negatives.slice(3);
    expect(new Set(unrated).size).toBe(5);
    for (const id of unrated) expect(id).toBeGreaterThanOrEqual(106);
    const unratedRows = Array.from(data.kind).flatMap((k, r) => (k === LabelKind.Unrated ? [r] : []));
    expect(unratedRows).toHaveLength(5);
    for (const r of unratedRows) expect(Number.isNaN(data.rating[r])).toBe(true);
    expect(data.summary.byKind).toEqual({ hardPositive: 1, softPositive: 1, softNegative: 2, hardNegative: 1, unrated: 5 });
    expect(data.summary).toMatchObject({
      positives: 2,
      negatives: 8,
      rows: 10,
      shortfall: 0,
      repeatedNegatives: 0,
      explicitNegativesLeftOut: 0,
    });
  });

  it('is reproducible for a seed and varies across seeds', () => {
    const sampler = new HardSampler(table);
    const a = Array.from(sampler.sample(42).item);
    expect(Array.from(sampler.sample(42).item)).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((seed) => Array.from(sampler.sample(seed).item).join());
    expect(others.some((o) => o !== a.join())).toBe(true);
  });

  it('draws a share of the positives, with only their negatives, when keep < 1', () => {
    // 200 users with 10 positives each on a 1,000-movie catalogue: keep 0.3 ≈ 600 positives.
    const rows: Array<[number, number, number]> = [];
    for (let u = 1; u <= 200; u++) for (let n = 0; n < 10; n++) rows.push([u, 1 + ((u * 37 + n * 101) % 1000), 4]);
    const sampler = new HardSampler(makeTable(rows, range(1, 1000)), { negativesPerPositive: 4 });
    const full = sampler.sample(9);
    const part = sampler.sample(9, 0.3);
    expect(sampler.positives).toBe(2000);
    expect(full.summary.positives).toBe(2000);
    expect(part.summary.positives).toBeGreaterThan(500);
    expect(part.summary.positives).toBeLessThan(700);
    expect(part.length).toBe(part.summary.positives * 5);
    // Every kept row is one of the table's positives, and another epoch keeps others.
    const positivesOf = (d: typeof full) => Array.from(d.user, (u, r) => `${u}:${d.item[r]}`).filter((_, r) => d.interaction[r] === 1);
    const all = new Set(positivesOf(full));
    expect(positivesOf(part).every((p) => all.has(p))).toBe(true);
    expect(positivesOf(sampler.sample(10, 0.3)).join()).not.toBe(positivesOf(part).join());
    // keep = 1 is the full sample itself: nothing extra is drawn.
    expect(Array.from(sampler.sample(9, 1).item)).toEqual(Array.from(full.item));
    expect(() => sampler.sample(9, 0)).toThrow(RangeError);
    // keepFor: the share that fits a row cap; a full sample is 2,000 × 5 rows here.
    expect(sampler.keepFor(0)).toBe(1);
    expect(sampler.keepFor(10_000)).toBe(1);
    expect(sampler.keepFor(2_500)).toBe(0.25);
  });

  it('honours the ratio parameter', () => {
    const data = buildHardSampledDataset(table, { negativesPerPositive: 1 });
    expect(data.length).toBe(4);
    // Quota 2 is filled by the hard negative and one soft negative; the other soft one is left out.
    expect(data.summary.byKind.hardNegative).toBe(1);
    expect(data.summary.byKind.softNegative).toBe(1);
    expect(data.summary.explicitNegativesLeftOut).toBe(1);
    expect(data.summary.byKind.unrated).toBe(0);
  });

  it('repeats unrated negatives for a heavy rater so every positive keeps its quota', () => {
    // 3 positives × 4 = 12 negatives, but only movie 4 is unrated: it is used 12 times.
    const small = makeTable(
      [
        [1, 1, 5],
        [1, 2, 4],
        [1, 3, 4],
      ],
      [1, 2, 3, 4],
    );
    const data = buildHardSampledDataset(small);
    expect(data.summary).toMatchObject({ positives: 3, negatives: 12, repeatedNegatives: 11, shortfall: 0 });
    const negatives = Array.from(data.item).filter((_, r) => data.interaction[r] === 0);
    expect(new Set(negatives.map((i) => data.itemIds[i]))).toEqual(new Set([4]));
  });

  it('reports a shortfall instead of looping when the user rated the whole catalogue', () => {
    const all = makeTable(
      [
        [1, 1, 5],
        [1, 2, 4],
      ],
      [1, 2],
    );
    const data = buildHardSampledDataset(all);
    expect(data.summary).toMatchObject({ positives: 2, negatives: 0, shortfall: 8, repeatedNegatives: 0 });
  });

  it('skips users with no positives and keeps users separate', () => {
    const two = makeTable(
      [
        [1, 1, 1],
        [1, 2, 2],
        [2, 3, 4],
      ],
      range(1, 30),
    );
    const data = buildHardSampledDataset(two);
    expect(data.summary.usersWithoutPositives).toBe(1);
    expect(new Set(Array.from(data.user, (u) => data.userIds[u]))).toEqual(new Set([2]));
    expect(data.length).toBe(5);
  });
});

describe('writeSampledCsv', () => {
  it("writes the seed's format with dataset ids and an empty rating for unrated negatives", async () => {
    const table = makeTable(
      [
        [7, 101, 5],
        [7, 103, 1],
      ],
      range(101, 140),
    );
    const data = buildHardSampledDataset(table, { negativesPerPositive: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'reelrec-sample-'));
    const file = join(dir, 'out', 'samples.csv');
    await writeSampledCsv(data, file);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('index,userid,movieid,interaction,rating');
    expect(lines[1]).toBe('0,7,101,1,5');
    expect(lines[2]).toBe('1,7,103,0,1');
    expect(lines[3]).toMatch(/^2,7,\d+,0,$/);
    expect(lines).toHaveLength(4);
    expect(await readdir(join(dir, 'out'))).toEqual(['samples.csv']);
  });
});
