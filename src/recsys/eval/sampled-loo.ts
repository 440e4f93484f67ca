import { ConfigError } from '../../errors.js';
import type { Progress } from '../../progress.js';
import { groupByUser } from '../data/ratings-table.js';
import { createRng } from '../random.js';
import { forEachUserScores, type Recommender } from './recommender.js';
import type { Split } from './splits.js';

/**
 * The NCF paper's protocol (He et al. 2017, "Neural Collaborative Filtering", §4.1): each user's
 * held-out item (from leaveOneOutSplit) is ranked among `negatives` items sampled from those the
 * user never interacted with, and HR@k / NDCG@k are averaged over users. Numbers from this
 * protocol are not comparable with full-catalogue ones (evaluate.ts): ranking against 99 random
 * items is far easier than against the whole catalogue.
 */

export interface SampledLeaveOneOutOptions {
  /** Sampled negatives per user; 99 in the paper, so each user ranks 100 candidates. */
  negatives?: number;
  k?: number;
  /** Negatives depend only on (seed, user, split), so every model is ranked on the same candidates. */
  seed?: number;
  /** Gets setTotal(users with a held-out item) and one increment per user; the caller stops it. */
  progress?: Progress;
}

export interface SampledLeaveOneOutResult {
  /** Users averaged over: those with a held-out item. */
  users: number;
  hitRate: number;
  ndcg: number;
  k: number;
  /** Negatives asked for per user (see shortUsers). */
  negatives: number;
  /** Users who had fewer non-interacted items than `negatives`, so were ranked against all of them. */
  shortUsers: number;
  seconds: number;
}

/** One user's ranking task: the held-out item and the sampled negatives (ascending item index). */
export interface SampledCandidates {
  user: number;
  target: number;
  negatives: Uint32Array;
}

/** murmur3's 32-bit finaliser over (seed, user), so neighbouring users get unrelated streams. */
function userSeed(seed: number, user: number): number {
  let h = (seed ^ Math.imul(user + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function checkCount(setting: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new ConfigError(setting, `must be an integer ≥ ${min}, got ${value}`);
}

/**
 * The candidates every user is ranked on, in dense user order (users without a held-out item are
 * left out). Negatives are drawn without replacement from the items rated by anyone in train or
 * test — the paper's item universe, since its datasets hold only rated items — excluding the
 * user's own train and test items. Items nobody rated (ml-latest's catalogue has many) are never
 * drawn: a popularity model would otherwise win them for free.
 */
export function* sampledCandidates(
  split: Split,
  options: Pick<SampledLeaveOneOutOptions, 'negatives' | 'seed'> = {},
): Generator<SampledCandidates> {
  const { negatives = 99, seed = 42 } = options;
  checkCount('negatives', negatives, 0);
  const { train, test } = split;
  const nItems = train.itemIds.length;
  const mark = new Uint8Array(nItems);
  for (let i = 0; i < train.length; i++) mark[train.item[i]] = 1;
  for (let i = 0; i < test.length; i++) mark[test.item[i]] = 1;
  let universeSize = 0;
  for (let j = 0; j < nItems; j++) universeSize += mark[j];
  const universe = new Uint32Array(universeSize);
  for (let j = 0, n = 0; j < nItems; j++) if (mark[j] === 1) universe[n++] = j;
  mark.fill(0);

  const trainGroups = groupByUser(train);
  const testGroups = groupByUser(test);
  const nUsers = Math.min(train.userIds.length, test.userIds.length);
  // 1 = the user's own item, 2 = already drawn; reset after each user so the pass stays O(ratings + users × negatives).
  const touched: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const s0 = testGroups.offsets[u];
    const s1 = testGroups.offsets[u + 1];
    if (s1 === s0) continue;
    if (s1 - s0 > 1)
      throw new ConfigError('split', `sampled leave-one-out needs one held-out item per user; user ${train.userIds[u]} has ${s1 - s0}`);
    const target = test.item[testGroups.order[s0]];
    let own = 0;
    const markOwn = (item: number): void => {
      if (mark[item] !== 0) return;
      mark[item] = 1;
      touched.push(item);
      own++;
    };
    markOwn(target);
    for (let j = trainGroups.offsets[u]; j < trainGroups.offsets[u + 1]; j++) markOwn(train.item[trainGroups.order[j]]);

    const available = universeSize - own;
    const picked: number[] = [];
    if (available <= negatives) {
      for (let j = 0; j < universeSize; j++) if (mark[universe[j]] === 0) picked.push(universe[j]);
    } else if (4 * (available - negatives) >= universeSize) {
      // Rejection keeps a sparse user's cost at O(negatives); every draw lands with p ≥ 1/4.
      const rng = createRng(userSeed(seed, u));
      while (picked.length < negatives) {
        const item = universe[rng.int(universeSize)];
        if (mark[item] !== 0) continue;
        mark[item] = 2;
        touched.push(item);
        picked.push(item);
      }
    } else {
      // A user who rated most of the universe would make rejection crawl: shuffle the rest instead.
      const rest = new Uint32Array(available);
      for (let j = 0, n = 0; j < universeSize; j++) if (mark[universe[j]] === 0) rest[n++] = universe[j];
      const rng = createRng(userSeed(seed, u));
      for (let i = 0; i < negatives; i++) {
        const j = i + rng.int(available - i);
        const item = rest[j];
        rest[j] = rest[i];
        rest[i] = item;
        picked.push(item);
      }
    }
    for (const item of touched) mark[item] = 0;
    touched.length = 0;
    yield { user: u, target, negatives: Uint32Array.from(picked).sort() };
  }
}

/**
 * Ranks each user's held-out item among its sampled negatives and averages HR@k and NDCG@k
 * (NDCG = 1 / log2(rank + 2) for a 0-based rank below k, else 0 — one relevant item, so IDCG = 1).
 * `rec` must already be fitted on split.train. Each user is scored once over the whole catalogue
 * (the Recommender interface has no per-item call) and only the candidates are read.
 *
 * Ties: rank = #negatives scoring above the target + floor(#negatives scoring equal / 2), the
 * mid-rank of the tied block, floored. This is deterministic and neither optimistic (a constant
 * model would otherwise hit every time) nor pessimistic; a constant model lands at rank 49 of 100
 * and misses. NaN scores count as −∞, so a broken model cannot win by comparisons being false.
 */
export async function evaluateSampledLeaveOneOut(
  rec: Recommender,
  split: Split,
  options: SampledLeaveOneOutOptions = {},
): Promise<SampledLeaveOneOutResult> {
  const { negatives = 99, k = 10, seed = 42, progress } = options;
  checkCount('k', k, 1);
  checkCount('negatives', negatives, 0);
  const started = performance.now();
  const nItems = split.train.itemIds.length;

  const testGroups = groupByUser(split.test);
  const nUsers = Math.min(split.train.userIds.length, split.test.userIds.length);
  let total = 0;
  for (let u = 0; u < nUsers; u++) if (testGroups.offsets[u + 1] > testGroups.offsets[u]) total++;
  progress?.setTotal(total);

  const score = (x: number): number => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x);
  let hits = 0;
  let ndcg = 0;
  let shortUsers = 0;
  const candidates = [...sampledCandidates(split, { negatives, seed })];
  const byUser = new Map(candidates.map((c) => [c.user, c]));
  await forEachUserScores(
    rec,
    candidates.map((c) => c.user),
    nItems,
    (user, scores) => {
      const { target, negatives: negs } = byUser.get(user) as (typeof candidates)[number];
      if (negs.length < negatives) shortUsers++;
      const t = score(scores[target]);
      let above = 0;
      let equal = 0;
      for (let i = 0; i < negs.length; i++) {
        const s = score(scores[negs[i]]);
        if (s > t) above++;
        else if (s === t) equal++;
      }
      const rank = above + Math.floor(equal / 2);
      if (rank < k) {
        hits++;
        ndcg += 1 / Math.log2(rank + 2);
      }
      progress?.increment();
    },
  );
  const users = candidates.length;

  return {
    users,
    hitRate: users > 0 ? hits / users : 0,
    ndcg: users > 0 ? ndcg / users : 0,
    k,
    negatives,
    shortUsers,
    seconds: (performance.now() - started) / 1000,
  };
}
