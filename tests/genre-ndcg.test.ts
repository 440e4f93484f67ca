import { describe, expect, it } from 'vitest';
import { selectRows } from '../src/recsys/data/ratings-table.js';
import { evaluateGenreNdcg, genreNdcgAtK, genreNdcgFromRelevance } from '../src/recsys/eval/genre-ndcg.js';
import type { Recommender } from '../src/recsys/eval/recommender.js';
import type { GenreProfiles } from '../src/recsys/profiles/genre-split.js';
import type { GenreMembership } from '../src/recsys/profiles/genres.js';
import { makeTable, range } from './helpers/tables.js';

const L3 = 1 / Math.log2(3); // discount at rank 2
const L4 = 1 / Math.log2(4); // rank 3 = 0.5

// Items 0..5 with genre masks A=1, B=2, C=4: [A], [B], [A|B], [C], [], [A].
const MASKS = Uint32Array.from([1, 2, 3, 4, 0, 1]);

function membershipOf(masks: Uint32Array, nGenres: number, withMasks: boolean): GenreMembership {
  const membership = new Uint8Array(masks.length * nGenres);
  masks.forEach((m, j) => {
    for (let g = 0; g < nGenres; g++) if (m & (1 << g)) membership[j * nGenres + g] = 1;
  });
  return { nGenres, nItems: masks.length, membership, masks: withMasks ? masks : null };
}

describe('genreNdcgAtK', () => {
  it('sums 1 / log2(rank + 1) over ranks sharing a genre with P, over the full-k ideal', () => {
    // P = {A}; ranked 3 (C: miss), 0 (A: hit at rank 2), 2 (A|B: hit at rank 3); R = 3 → IDCG = 1 + L3 + L4.
    expect(genreNdcgAtK([3, 0, 2, 4, 5], MASKS, 1, 3, 3)).toBeCloseTo((L3 + L4) / (1 + L3 + L4), 12);
    // Only the first k count: a hit at rank 4 does not.
    expect(genreNdcgAtK([3, 4, 1, 0], MASKS, 1, 3, 3)).toBe(0);
    // P = {B, C}: items 1, 2, 3 are relevant.
    expect(genreNdcgAtK([1, 2, 3], MASKS, 6, 3, 3)).toBeCloseTo(1, 12);
  });

  it('caps IDCG at R relevant candidates', () => {
    // R = 2 < k = 5: IDCG = 1 + L3, so hits at ranks 1 and 2 are perfect.
    expect(genreNdcgAtK([0, 2, 3, 4], MASKS, 1, 5, 2)).toBeCloseTo(1, 12);
    // R = 1: a single hit at rank 2 scores L3 / 1.
    expect(genreNdcgAtK([3, 0], MASKS, 1, 5, 1)).toBeCloseTo(L3, 12);
    expect(genreNdcgAtK([0], MASKS, 1, 5, 0)).toBe(0);
    expect(genreNdcgAtK([0], MASKS, 0, 5, 3)).toBe(0);
  });

  it('agrees with the per-item relevance form', () => {
    const relevant = Uint8Array.from(MASKS, (m) => (m & 1 ? 1 : 0));
    expect(genreNdcgFromRelevance([3, 0, 2], relevant, 3, 3)).toBe(genreNdcgAtK([3, 0, 2], MASKS, 1, 3, 3));
  });
});

describe('evaluateGenreNdcg', () => {
  // Users 1..4 on items 1..6 (dense 0..5). Train: user 1 saw dense item 0 (A); user 2 saw dense item 3 (C).
  const all = makeTable(
    [
      [1, 1, 5],
      [1, 2, 4],
      [2, 4, 5],
      [2, 3, 4],
      [3, 1, 5],
      [4, 1, 5],
    ],
    range(1, 6),
  );
  const split = { train: selectRows(all, [0, 2, 4, 5]), test: selectRows(all, [1, 3]) };
  // The same ranking for every user: items in `order`, best first.
  const order = [0, 5, 2, 3, 1, 4];
  const scores = new Float32Array(6);
  order.forEach((j, r) => {
    scores[j] = 6 - r;
  });
  const rec: Recommender = {
    name: 'fixed',
    async fit() {},
    scoreUser(_user, out) {
      out.set(scores);
    },
  };
  const profiles: GenreProfiles = {
    nGenres: 3,
    profiles: [
      { positive: [0], negative: [], median: 0 }, // P = {A}
      { positive: [2], negative: [], median: 0 }, // P = {C}: its only C movie (4) is in train
      { positive: [], negative: [1], median: 0 }, // empty P: skipped
      null, // no embedding: skipped
    ],
    usersWithProfile: 3,
    usersWithoutEmbedding: 1,
    usersWithoutPositiveGenre: 1,
    usersWithoutNegativeGenre: 2,
  };

  it('excludes train items, caps IDCG by the candidates, and skips users without P', async () => {
    for (const withMasks of [true, false]) {
      const result = await evaluateGenreNdcg(rec, split, profiles, membershipOf(MASKS, 3, withMasks), { k: 3 });
      // User 1: item 0 is train, so the list is 5 (A), 2 (A|B), 3 (C) → hits at ranks 1, 2.
      // Candidates with A: 2 and 5 → R = 2, IDCG = 1 + L3 → NDCG 1.
      // User 2: no C candidate outside train → skipped (IDCG would be 0).
      expect(result).toEqual({ k: 3, users: 1, ndcg: 1, skippedNoPositiveGenre: 2, skippedNoCandidate: 1 });
    }
  });

  it('averages over users', async () => {
    const twoUsers: GenreProfiles = { ...profiles, profiles: [profiles.profiles[0] ?? null, { positive: [1], negative: [], median: 0 }] };
    const result = await evaluateGenreNdcg(rec, split, twoUsers, membershipOf(MASKS, 3, true), { k: 3 });
    // User 2 (train: dense item 3), P = {B}: list 0 (A), 5 (A), 2 (A|B) → one hit at rank 3; candidates 1, 2 → IDCG 1 + L3.
    const user2 = L4 / (1 + L3);
    expect(result.users).toBe(2);
    expect(result.ndcg).toBeCloseTo((1 + user2) / 2, 12);
    expect(result.skippedNoPositiveGenre).toBe(0);
  });
});
