import { ConfigError } from '../../errors.js';
import { groupByUser, selectRows } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { createRng } from '../random.js';

/** Both halves keep the input's id maps, so dense user/item indices mean the same in each. */
export interface Split {
  train: RatingsTable;
  test: RatingsTable;
}

/**
 * How many of a user's n ratings go to train.
 * - 'floor' (default): floor(ratio × n) — exactly what MS Recommenders' `_do_stratification` does
 *   (it keeps rows whose rank ≤ ratio × count), so our protocol is theirs.
 * - 'round': Math.round(ratio × n), so a 75/25 split of 22 ratings keeps 17 (16.5 ↑).
 * The two differ by one row for about half the users.
 * A user with a single rating always keeps it in train (MS would move it to test), so that no
 * test user is completely cold.
 */
export type CutRule = 'round' | 'floor';

export interface RatioSplitOptions {
  /** Share of each user's ratings that goes to train, in (0, 1). */
  ratio?: number;
  cut?: CutRule;
}

export interface StratifiedSplitOptions extends RatioSplitOptions {
  seed?: number;
}

function trainCount(n: number, ratio: number, cut: CutRule): number {
  if (n <= 1) return n;
  // The epsilon keeps 0.75 × 4 = 3 from flooring to 2 through float error.
  return cut === 'floor' ? Math.floor(ratio * n + 1e-9) : Math.round(ratio * n);
}

function checkRatio(ratio: number): void {
  if (!(ratio > 0 && ratio < 1)) throw new ConfigError('ratio', `split ratio must be in (0, 1), got ${ratio}`);
}

/** Splits rows by a per-row test flag, keeping file order within each half. */
function splitByMask(table: RatingsTable, isTest: Uint8Array): Split {
  let nTest = 0;
  for (let i = 0; i < table.length; i++) nTest += isTest[i];
  const trainRows = new Uint32Array(table.length - nTest);
  const testRows = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < table.length; i++) {
    if (isTest[i] === 1) testRows[b++] = i;
    else trainRows[a++] = i;
  }
  return { train: selectRows(table, trainRows), test: selectRows(table, testRows) };
}

/**
 * Per-user random split, MS Recommenders' `python_stratified_split` (filter_by="user", min_rating=1):
 * every user keeps about `ratio` of their ratings in train, so every user is warm at test time.
 * Users are shuffled one after another in dense-index order from a single seeded stream, so the
 * split depends only on (table, seed, ratio). The RNG differs from numpy's, so rows differ from MS.
 */
export function stratifiedSplit(table: RatingsTable, options: StratifiedSplitOptions = {}): Split {
  const { ratio = 0.75, seed = 42, cut = 'floor' } = options;
  checkRatio(ratio);
  const rng = createRng(seed);
  const { offsets, order } = groupByUser(table);
  const isTest = new Uint8Array(table.length);
  for (let u = 0; u + 1 < offsets.length; u++) {
    const rows = order.slice(offsets[u], offsets[u + 1]);
    rng.shuffle(rows);
    for (let j = trainCount(rows.length, ratio, cut); j < rows.length; j++) isTest[rows[j]] = 1;
  }
  return splitByMask(table, isTest);
}

/**
 * Each user's latest rating is the test row (max timestamp; a tie goes to the row later in the
 * file, the closest thing to "latest" ml-100k offers). Single-rating users stay in train only.
 */
export function leaveOneOutSplit(table: RatingsTable): Split {
  const { offsets, order } = groupByUser(table);
  const isTest = new Uint8Array(table.length);
  for (let u = 0; u + 1 < offsets.length; u++) {
    const start = offsets[u];
    const end = offsets[u + 1];
    if (end - start < 2) continue;
    let latest = order[start];
    for (let j = start + 1; j < end; j++) {
      const row = order[j];
      // groupByUser keeps file order within a user, so >= lets later rows win ties.
      if (table.timestamp[row] >= table.timestamp[latest]) latest = row;
    }
    isTest[latest] = 1;
  }
  return splitByMask(table, isTest);
}

/**
 * Per-user temporal split (MS `python_chrono_split`): each user's earliest `ratio` share by
 * timestamp trains, the rest tests. Equal timestamps keep file order.
 */
export function chronologicalSplit(table: RatingsTable, options: RatioSplitOptions = {}): Split {
  const { ratio = 0.75, cut = 'floor' } = options;
  checkRatio(ratio);
  const { offsets, order } = groupByUser(table);
  const ts = table.timestamp;
  const isTest = new Uint8Array(table.length);
  for (let u = 0; u + 1 < offsets.length; u++) {
    const rows = Array.from(order.subarray(offsets[u], offsets[u + 1]));
    rows.sort((a, b) => ts[a] - ts[b] || a - b);
    for (let j = trainCount(rows.length, ratio, cut); j < rows.length; j++) isTest[rows[j]] = 1;
  }
  return splitByMask(table, isTest);
}
