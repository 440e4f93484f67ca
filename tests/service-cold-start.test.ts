import { describe, expect, it } from 'vitest';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { createRng } from '../src/recsys/random.js';
import { type ColdStartCase, drawCases, evaluateCases, holdOutUsers, LIKED_RATING } from '../src/service/cold-start.js';
import { makeTable, range } from './helpers/tables.js';

/** 40 users × 30 movies, each user rating a seeded random ~half of them with 1..5 stars. */
function randomTable(): RatingsTable {
  const rng = createRng(2024);
  const rows: Array<[number, number, number]> = [];
  for (let user = 1; user <= 40; user++) {
    for (let movie = 1; movie <= 30; movie++) if (rng.next() < 0.5) rows.push([user * 10, movie, 1 + rng.int(9) / 2]);
  }
  return makeTable(rows, range(1, 30));
}

function usersOf(table: RatingsTable): Set<number> {
  return new Set(Array.from(table.user.subarray(0, table.length)));
}

function rowsOf(table: RatingsTable, user: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < table.length; r++) if (table.user[r] === user) out.push(`${table.item[r]}:${table.rating[r]}:${table.timestamp[r]}`);
  return out;
}

describe('holdOutUsers', () => {
  const table = randomTable();
  const nUsers = table.userIds.length;

  it('removes every row of the held-out users and keeps every other row and the id maps', () => {
    const split = holdOutUsers(table, 0.25, 7);
    expect(split.heldOut).toHaveLength(10);
    expect(new Set(split.heldOut).size).toBe(10);
    expect(split.heldOut).toEqual([...split.heldOut].sort((a, b) => a - b));
    const held = new Set(split.heldOut);
    const trainUsers = usersOf(split.train);
    for (const u of split.heldOut) expect(trainUsers.has(u)).toBe(false);
    let kept = 0;
    for (let u = 0; u < nUsers; u++) {
      if (held.has(u)) continue;
      expect(rowsOf(split.train, u)).toEqual(rowsOf(table, u));
      kept += rowsOf(table, u).length;
    }
    expect(split.train.length).toBe(kept);
    expect(Array.from(split.train.userIds)).toEqual(Array.from(table.userIds));
    expect(Array.from(split.train.itemIds)).toEqual(Array.from(table.itemIds));
    expect(split.train.userIndex).toEqual(table.userIndex);
    expect(split.train.itemIndex).toEqual(table.itemIndex);
    // The input table is untouched.
    expect(usersOf(table).size).toBe(nUsers);
  });

  it('is seeded: the same seed holds out the same users, another seed others', () => {
    const a = holdOutUsers(table, 0.25, 7).heldOut;
    expect(holdOutUsers(table, 0.25, 7).heldOut).toEqual(a);
    expect(holdOutUsers(table, 0.25, 8).heldOut).not.toEqual(a);
  });

  it('rounds the share and allows none or all', () => {
    expect(holdOutUsers(table, 0.1, 1).heldOut).toHaveLength(4);
    expect(holdOutUsers(table, 0, 1).heldOut).toHaveLength(0);
    expect(holdOutUsers(table, 0, 1).train.length).toBe(table.length);
    const all = holdOutUsers(table, 1, 1);
    expect(all.heldOut).toEqual(range(0, nUsers - 1));
    expect(all.train.length).toBe(0);
  });

  it('holds out at most `max` users, the first of the same seeded draw, and keeps the rest in train', () => {
    const uncapped = holdOutUsers(table, 0.5, 3).heldOut;
    const capped = holdOutUsers(table, 0.5, 3, undefined, 5);
    expect(capped.heldOut).toHaveLength(5);
    for (const u of capped.heldOut) expect(uncapped).toContain(u);
    expect(usersOf(capped.train).size).toBe(nUsers - 5);
    expect(holdOutUsers(table, 0.5, 3, undefined, 1000).heldOut).toEqual(uncapped);
  });

  it('draws only from the `among` pool', () => {
    const among = range(0, 19)
      .filter((u) => u % 2 === 0)
      .concat(range(30, 39));
    for (const seed of [1, 2, 3, 4]) {
      const split = holdOutUsers(table, 0.5, seed, among);
      expect(split.heldOut).toHaveLength(10);
      for (const u of split.heldOut) expect(among).toContain(u);
      // Users outside the pool leave train too: the cold-start bench relies on this so the
      // validation-tuning NeuMF never sees the test users (the pool is everyone but them).
      const held = new Set(split.heldOut);
      expect([...usersOf(split.train)].sort((a, b) => a - b)).toEqual(among.filter((u) => !held.has(u)).sort((a, b) => a - b));
    }
  });
});

describe('drawCases', () => {
  // User 1: seven movies at ≥ 4 (4.0 counts, 3.5 does not); user 2: exactly three liked;
  // user 3: four liked; user 4: none.
  const table = makeTable(
    [
      [1, 1, 5],
      [1, 2, 4],
      [1, 3, 3.5],
      [1, 4, 4.5],
      [1, 5, 1],
      [1, 6, 4],
      [1, 7, 5],
      [1, 8, 4],
      [1, 9, 4],
      [2, 1, 4],
      [2, 2, 5],
      [2, 3, 4],
      [2, 4, 3],
      [3, 5, 4],
      [3, 6, 4],
      [3, 7, 5],
      [3, 8, 4],
      [3, 9, 2],
      [4, 1, 3],
    ],
    range(1, 10),
  );
  const users = [0, 1, 2, 3];
  const likedOf: Record<number, number[]> = { 0: [0, 1, 3, 5, 6, 7, 8], 1: [0, 1, 2], 2: [4, 5, 6, 7], 3: [] };

  it('takes exactly n picks from ratings ≥ 4; relevant is the rest of them, disjoint from the picks', () => {
    expect(LIKED_RATING).toBe(4);
    const cases = drawCases(table, users, 3, 1);
    // User 1 (index 1) has exactly 3 liked: nothing would be left to find, so it is skipped; so is user 4.
    expect(cases.map((c) => c.user)).toEqual([0, 2]);
    for (const c of cases) {
      const liked = likedOf[c.user] as number[];
      expect(c.picks).toHaveLength(3);
      expect(new Set(c.picks).size).toBe(3);
      for (const p of c.picks) {
        expect(liked).toContain(p);
        expect(c.relevant.has(p)).toBe(false);
      }
      expect([...c.picks, ...c.relevant].sort((a, b) => a - b)).toEqual(liked);
    }
  });

  it('is seeded and does not depend on the order of the rows', () => {
    const a = drawCases(table, users, 2, 5);
    expect(drawCases(table, users, 2, 5)).toEqual(a);
    const seeds = range(6, 15).map((seed) => drawCases(table, users, 2, seed)[0]?.picks.join(','));
    expect(new Set(seeds).size).toBeGreaterThan(1);
    // Same ratings, rows shuffled: same cases.
    const rows: Array<[number, number, number]> = [];
    for (let r = 0; r < table.length; r++) rows.push([table.userIds[table.user[r]], table.itemIds[table.item[r]], table.rating[r]]);
    createRng(3).shuffle(rows);
    expect(drawCases(makeTable(rows, range(1, 10)), users, 2, 5)).toEqual(a);
  });

  it('only draws for the users it is given', () => {
    expect(drawCases(table, [2], 1, 1).map((c) => c.user)).toEqual([2]);
    expect(drawCases(table, [], 1, 1)).toEqual([]);
    // Every liked movie as picks leaves nothing relevant, so no case.
    expect(drawCases(table, users, 7, 1)).toEqual([]);
  });
});

describe('evaluateCases', () => {
  const nItems = 8;

  it('never counts a pick as a hit: metrics are computed on the rest', () => {
    const cases: ColdStartCase[] = [
      { user: 0, picks: [0, 1], relevant: new Set([2, 5]) },
      // This case's relevant items are the previous case's picks: exclusion must not leak.
      { user: 1, picks: [3], relevant: new Set([0, 1]) },
    ];
    const calls: number[] = [];
    // Ranks the picks first, then the relevant items, then the rest.
    const score = (c: ColdStartCase) => {
      calls.push(c.user);
      const s = new Float32Array(nItems);
      for (const i of c.relevant) s[i] = 5;
      for (const p of c.picks) s[p] = 10;
      return s;
    };
    const metrics = evaluateCases(cases, nItems, score, 2);
    expect(calls).toEqual([0, 1]);
    expect(metrics.users).toBe(2);
    expect(metrics.k).toBe(2);
    expect(metrics.precision).toBe(1);
    expect(metrics.recall).toBe(1);
    expect(metrics.ndcg).toBeCloseTo(1, 12);
    expect(metrics.hitRate).toBe(1);
    // Items 0, 1, 2, 5 were recommended; no pick of its own case ever was.
    expect(metrics.coverage).toBe(4 / nItems);
  });

  it('a scorer that finds only picks scores zero', () => {
    const cases: ColdStartCase[] = [{ user: 0, picks: [0, 1, 2], relevant: new Set([7]) }];
    const score = () => Float32Array.of(9, 8, 7, 0, 0, 0, 0, -1);
    const metrics = evaluateCases(cases, nItems, score, 3);
    // The top 3 after excluding the picks are items 3, 4, 5: relevant 7 is missed.
    expect(metrics.precision).toBe(0);
    expect(metrics.ndcg).toBe(0);
    expect(metrics.hitRate).toBe(0);
    const wider = evaluateCases(cases, nItems, score, 5);
    expect(wider.hitRate).toBe(1);
    expect(wider.precision).toBeCloseTo(1 / 5, 12);
  });
});
