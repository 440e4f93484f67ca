import { groupByUser, selectRows } from '../recsys/data/ratings-table.js';
import type { RatingsTable } from '../recsys/data/types.js';
import { MetricAccumulator, type RankingMetrics } from '../recsys/eval/metrics.js';
import { topK } from '../recsys/eval/top-k.js';
import { createRng } from '../recsys/random.js';

/**
 * The cold-start protocol: whole users are held out; each gives the service a few movies they
 * rated ≥ 4 (their "picked posters") and the rest of their ≥ 4 ratings are what a good answer finds.
 */
export const LIKED_RATING = 4;

export interface UserSplit {
  /** Ratings of the kept users only (same id maps as the input, so indices agree). */
  train: RatingsTable;
  /** Dense indices of the held-out users. */
  heldOut: number[];
}

/**
 * Holds out `share` of the users, at most `max` (seeded); their ratings leave train entirely. With
 * `among`, only that pool is split and every user outside it is dropped from train too (the
 * cold-start bench passes the non-test users, so test users stay out of the tuning models).
 */
export function holdOutUsers(
  table: RatingsTable,
  share: number,
  seed: number,
  among?: readonly number[],
  max = Number.POSITIVE_INFINITY,
): UserSplit {
  const candidates = among ? [...among] : Array.from({ length: table.userIds.length }, (_, u) => u);
  createRng(seed).shuffle(candidates);
  const heldOut = candidates.slice(0, Math.min(max, Math.round(share * candidates.length))).sort((a, b) => a - b);
  const out = new Uint8Array(table.userIds.length);
  for (const u of heldOut) out[u] = 1;
  if (among) {
    const inPool = new Uint8Array(table.userIds.length);
    for (const u of among) inPool[u] = 1;
    for (let u = 0; u < out.length; u++) if (inPool[u] === 0) out[u] = 1;
  }
  const rows: number[] = [];
  for (let i = 0; i < table.length; i++) if (out[table.user[i] as number] === 0) rows.push(i);
  return { train: selectRows(table, rows), heldOut };
}

export interface ColdStartCase {
  user: number;
  /** Item indices given to the service as the picks. */
  picks: number[];
  /** The user's other ≥ 4 ratings. */
  relevant: Set<number>;
}

/** One case per user with at least picks + 1 liked movies; picks drawn at random (seeded). */
export function drawCases(table: RatingsTable, users: readonly number[], picks: number, seed: number): ColdStartCase[] {
  const groups = groupByUser(table);
  const rng = createRng(seed * 7919 + picks);
  const cases: ColdStartCase[] = [];
  for (const user of users) {
    const liked: number[] = [];
    for (let k = groups.offsets[user] as number; k < (groups.offsets[user + 1] as number); k++) {
      const row = groups.order[k] as number;
      if ((table.rating[row] as number) >= LIKED_RATING) liked.push(table.item[row] as number);
    }
    if (liked.length <= picks) continue;
    liked.sort((a, b) => a - b);
    rng.shuffle(liked);
    cases.push({ user, picks: liked.slice(0, picks), relevant: new Set(liked.slice(picks)) });
  }
  return cases;
}

/** P/R/NDCG/MAP@k of a scorer over cases, with each case's picks excluded from its candidates. */
export function evaluateCases(
  cases: readonly ColdStartCase[],
  nItems: number,
  score: (c: ColdStartCase) => Float32Array,
  k = 10,
): RankingMetrics {
  const acc = new MetricAccumulator(k, nItems);
  const exclude = new Uint8Array(nItems);
  for (const c of cases) {
    for (const p of c.picks) exclude[p] = 1;
    acc.add(topK(score(c), k, exclude), c.relevant);
    for (const p of c.picks) exclude[p] = 0;
  }
  return acc.result();
}
