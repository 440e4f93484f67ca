import { groupByUser, type UserGroups } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { createRng, type Rng } from '../random.js';
import { isPositive, LabelKind, labelRating } from './labels.js';

export interface SamplingOptions {
  /** Negatives drawn per positive for the same user (the seed uses 4). */
  negativesPerPositive?: number;
  seed?: number;
}

export interface SamplingSummary {
  users: number;
  usersWithoutPositives: number;
  rows: number;
  positives: number;
  negatives: number;
  negativesPerPositive: number;
  seed: number;
  /** Rows per label kind; `unrated` counts sampled implicit negatives. */
  byKind: { hardPositive: number; softPositive: number; softNegative: number; hardNegative: number; unrated: number };
  /** Explicit negatives not needed because the user's quota was already filled. */
  explicitNegativesLeftOut: number;
  /**
   * Unrated negatives drawn again for users whose positives × ratio exceed the movies they never
   * rated (heavy raters); as in the NCF paper, each positive still gets its full quota.
   */
  repeatedNegatives: number;
  /** Negatives that could not be drawn because the user rated every movie in the catalogue. */
  shortfall: number;
}

/**
 * The hard-sampled training set as parallel arrays: one row per positive, each followed by its
 * negatives. `rating` is NaN for unrated sampled negatives. Indices are the table's dense ones.
 */
export interface SampledDataset {
  length: number;
  user: Uint32Array;
  item: Uint32Array;
  interaction: Uint8Array;
  kind: Uint8Array;
  rating: Float32Array;
  userIds: Int32Array;
  itemIds: Int32Array;
  summary: SamplingSummary;
}

/**
 * Draws the seed's dataset: every positive (rating ≥ 3) with `negativesPerPositive` negatives of the
 * same user, taken from the user's hard negatives first, then soft negatives, then movies the user
 * never rated (distinct while they last; repeated only for users who rated most of the catalogue).
 * Grouping is done once, so `sample(seed)` can be called every epoch cheaply.
 */
export class HardSampler {
  readonly negativesPerPositive: number;
  private readonly groups: UserGroups;
  private readonly kinds: Uint8Array;
  private readonly nItems: number;
  private readonly positiveCount: number;

  constructor(
    private readonly table: RatingsTable,
    options: { negativesPerPositive?: number } = {},
  ) {
    const ratio = options.negativesPerPositive ?? 4;
    if (!Number.isInteger(ratio) || ratio < 0) throw new RangeError(`negativesPerPositive must be an integer ≥ 0, got ${ratio}`);
    this.negativesPerPositive = ratio;
    this.groups = groupByUser(table);
    this.nItems = table.itemIds.length;
    this.kinds = new Uint8Array(table.length);
    let positives = 0;
    for (let i = 0; i < table.length; i++) {
      const kind = labelRating(table.rating[i]);
      this.kinds[i] = kind;
      if (isPositive(kind)) positives++;
    }
    this.positiveCount = positives;
  }

  /** Positives in the table: a full sample has positives × (1 + negativesPerPositive) rows, less any shortfall. */
  get positives(): number {
    return this.positiveCount;
  }

  /** The `keep` share for which a sample holds at most `maxRows` rows (0 = no cap: 1). */
  keepFor(maxRows: number): number {
    const full = this.positiveCount * (1 + this.negativesPerPositive);
    return maxRows > 0 && full > maxRows ? maxRows / full : 1;
  }

  /**
   * One epoch's dataset. `keep` < 1 draws that share of the positives (seeded, each kept with
   * probability `keep`) and only their negatives, so an epoch of a very large table costs `keep` of
   * a full one in time and memory; keep = 1 draws nothing extra and gives the full dataset.
   */
  sample(seed = 42, keep = 1): SampledDataset {
    if (!(keep > 0 && keep <= 1)) throw new RangeError(`keep must be in (0, 1], got ${keep}`);
    const { table, groups, kinds, negativesPerPositive: ratio } = this;
    const rng = createRng(seed);
    const kept = keep < 1 ? keptPositives(kinds, keep, seed) : null;
    const capacity = (kept ? kept.count : this.positiveCount) * (1 + ratio);
    const out = {
      user: new Uint32Array(capacity),
      item: new Uint32Array(capacity),
      interaction: new Uint8Array(capacity),
      kind: new Uint8Array(capacity),
      rating: new Float32Array(capacity),
    };
    const summary: SamplingSummary = {
      users: table.userIds.length,
      usersWithoutPositives: 0,
      rows: 0,
      positives: 0,
      negatives: 0,
      negativesPerPositive: ratio,
      seed,
      byKind: { hardPositive: 0, softPositive: 0, softNegative: 0, hardNegative: 0, unrated: 0 },
      explicitNegativesLeftOut: 0,
      repeatedNegatives: 0,
      shortfall: 0,
    };
    const rated = new Uint8Array(this.nItems);
    let row = 0;
    const emit = (u: number, item: number, kind: LabelKind, rating: number): void => {
      out.user[row] = u;
      out.item[row] = item;
      out.kind[row] = kind;
      out.interaction[row] = isPositive(kind) ? 1 : 0;
      out.rating[row] = rating;
      row++;
    };

    for (let u = 0; u < table.userIds.length; u++) {
      const start = groups.offsets[u];
      const end = groups.offsets[u + 1];
      const positives: number[] = [];
      const hard: number[] = [];
      const soft: number[] = [];
      for (let k = start; k < end; k++) {
        const i = groups.order[k];
        rated[table.item[i]] = 1;
        const kind = kinds[i];
        if (isPositive(kind as LabelKind)) {
          if (!kept || kept.flags[i] === 1) positives.push(i);
        } else (kind === LabelKind.HardNegative ? hard : soft).push(i);
      }
      if (positives.length === 0) summary.usersWithoutPositives++;
      const need = positives.length * ratio;
      const explicit = [...rng.shuffle(hard), ...rng.shuffle(soft)];
      const negatives = explicit.slice(0, need).map((i) => ({ item: table.item[i], kind: kinds[i] as LabelKind, rating: table.rating[i] }));
      summary.explicitNegativesLeftOut += Math.max(0, explicit.length - need);
      const unratedCount = this.nItems - (end - start);
      const wanted = need - negatives.length;
      const distinct = drawUnrated(rated, unratedCount, Math.min(wanted, unratedCount), rng);
      for (const item of distinct) negatives.push({ item, kind: LabelKind.Unrated, rating: Number.NaN });
      if (wanted > unratedCount && unratedCount > 0) {
        // Every unrated movie is already used once; further draws repeat them uniformly.
        for (let n = unratedCount; n < wanted; n++) {
          negatives.push({ item: distinct[rng.int(distinct.length)] as number, kind: LabelKind.Unrated, rating: Number.NaN });
        }
        summary.repeatedNegatives += wanted - unratedCount;
      }
      summary.shortfall += need - negatives.length;

      let next = 0;
      for (const i of positives) {
        emit(u, table.item[i], kinds[i] as LabelKind, table.rating[i]);
        for (let n = 0; n < ratio && next < negatives.length; n++, next++) {
          const neg = negatives[next];
          emit(u, neg.item, neg.kind, neg.rating);
        }
      }
      for (let k = start; k < end; k++) rated[table.item[groups.order[k]]] = 0;
    }

    for (let r = 0; r < row; r++) {
      const kind = out.kind[r] as LabelKind;
      if (kind === LabelKind.HardPositive) summary.byKind.hardPositive++;
      else if (kind === LabelKind.SoftPositive) summary.byKind.softPositive++;
      else if (kind === LabelKind.SoftNegative) summary.byKind.softNegative++;
      else if (kind === LabelKind.HardNegative) summary.byKind.hardNegative++;
      else summary.byKind.unrated++;
    }
    summary.rows = row;
    summary.positives = summary.byKind.hardPositive + summary.byKind.softPositive;
    summary.negatives = row - summary.positives;
    return {
      length: row,
      user: out.user.subarray(0, row),
      item: out.item.subarray(0, row),
      interaction: out.interaction.subarray(0, row),
      kind: out.kind.subarray(0, row),
      rating: out.rating.subarray(0, row),
      userIds: table.userIds,
      itemIds: table.itemIds,
      summary,
    };
  }
}

/** Which positive rows an epoch keeps (1), drawn from their own stream so `keep` = 1 stays the full sample. */
function keptPositives(kinds: Uint8Array, keep: number, seed: number): { flags: Uint8Array; count: number } {
  const rng = createRng(seed ^ 0x5eed);
  const flags = new Uint8Array(kinds.length);
  let count = 0;
  for (let i = 0; i < kinds.length; i++) {
    if (isPositive(kinds[i] as LabelKind) && rng.next() < keep) {
      flags[i] = 1;
      count++;
    }
  }
  return { flags, count };
}

/**
 * Draws `count` distinct items with rated[item] === 0, marking them (so they are not drawn twice)
 * and unmarking them before returning. Rejection sampling while unrated items are plentiful;
 * an explicit list once the user has rated most of the catalogue, so the loop always ends.
 */
function drawUnrated(rated: Uint8Array, unratedCount: number, count: number, rng: Rng): number[] {
  const drawn: number[] = [];
  if (count <= 0) return drawn;
  if (count * 4 < unratedCount) {
    while (drawn.length < count) {
      const item = rng.int(rated.length);
      if (rated[item] === 0) {
        rated[item] = 2;
        drawn.push(item);
      }
    }
    for (const item of drawn) rated[item] = 0;
    return drawn;
  }
  const pool: number[] = [];
  for (let item = 0; item < rated.length; item++) if (rated[item] === 0) pool.push(item);
  for (let n = 0; n < count; n++) {
    const j = n + rng.int(pool.length - n);
    const tmp = pool[n];
    pool[n] = pool[j];
    pool[j] = tmp;
    drawn.push(pool[n]);
  }
  return drawn;
}

/** One-shot convenience: the seed's dataset for `table`. */
export function buildHardSampledDataset(table: RatingsTable, options: SamplingOptions = {}): SampledDataset {
  return new HardSampler(table, options).sample(options.seed ?? 42);
}
