import { type Progress, SILENT_PROGRESS } from '../../progress.js';
import { groupByUser } from '../data/ratings-table.js';
import type { RatingsTable } from '../data/types.js';
import { createRng, type Rng } from '../random.js';
import { isPositive, labelRating } from '../sampling/labels.js';
import type { GenreProfiles } from './genre-split.js';
import type { GenreSpace } from './genres.js';

export interface GenreDatasetOptions {
  /** Negative rows per positive row (the seed uses 1:3). */
  negativesPerPositive?: number;
  seed?: number;
  /** Told the users done (two passes: counting, then drawing). */
  progress?: Progress;
}

export interface GenreDatasetSummary {
  users: number;
  usersWithProfile: number;
  usersWithoutEmbedding: number;
  /** Users contributing at least one positive row. */
  usersWithRows: number;
  positives: number;
  negatives: number;
  negativesPerPositive: number;
  seed: number;
  /**
   * Negatives drawn a second time for users whose negative genres hold fewer movies than
   * positives × ratio (as the hard sampler does for heavy raters), so the ratio stays exact.
   */
  repeatedNegatives: number;
  /** Users with positive rows but no actual negative genre (no candidate movie): left out, since their rows cannot be balanced. */
  usersWithoutNegatives: number;
  /** Positive rows of those users, left out with them. */
  positivesLeftOut: number;
}

/**
 * The genre dataset as parallel arrays, each positive row followed by its negatives. `user` and
 * `item` are the ratings table's dense indices; `genre` indexes `genreNames` (the space G).
 */
export interface GenreDataset {
  length: number;
  user: Uint32Array;
  item: Uint32Array;
  interaction: Uint8Array;
  genre: Uint16Array;
  genreNames: string[];
  summary: GenreDatasetSummary;
}

/**
 * Builds the seed's genre dataset from the profiles of step 3:
 * - a positive row per movie the user rated ≥ 3 (once, even if rated twice) that has at least one
 *   actual positive genre; its genre is the first such genre in catalogue order;
 * - `negativesPerPositive` negative rows per positive: distinct movies from the union of the user's
 *   actual negative genres, drawn without replacement from one seeded stream (users in dense
 *   order). Such movies are unrated by construction (a negative genre has no rating of the user);
 *   the check is kept anyway. The genre column is the movie's first negative genre in catalogue order.
 * When the union is smaller than the quota, every movie of it is used once and the rest of the quota
 * is drawn again from it uniformly; a user whose union is empty contributes no rows at all, so the
 * dataset keeps the seed's exact 1:ratio balance.
 */
export function buildGenreDataset(
  ratings: RatingsTable,
  space: GenreSpace,
  profiles: GenreProfiles,
  options: GenreDatasetOptions = {},
): GenreDataset {
  const { negativesPerPositive: ratio = 3, seed = 42, progress = SILENT_PROGRESS } = options;
  if (!Number.isInteger(ratio) || ratio < 0) throw new RangeError(`negativesPerPositive must be an integer ≥ 0, got ${ratio}`);
  const G = space.nGenres;
  const nUsers = ratings.userIds.length;
  const nItems = ratings.itemIds.length;
  const { offsets, order } = groupByUser(ratings);
  const rng = createRng(seed);
  const rated = new Int32Array(nItems).fill(-1);
  const listed = new Int32Array(nItems).fill(-1);
  const positiveItems: number[] = [];
  const positiveGenres: number[] = [];
  const sampler = new UnionSampler(space);

  // Positive rows of user u (filled into positiveItems / positiveGenres); marks u's rated movies.
  const collectPositives = (u: number, positive: readonly number[]): void => {
    positiveItems.length = 0;
    positiveGenres.length = 0;
    for (let k = offsets[u]; k < offsets[u + 1]; k++) {
      const r = order[k];
      const j = ratings.item[r];
      rated[j] = u;
      if (!isPositive(labelRating(ratings.rating[r])) || listed[j] === u) continue;
      const g = positive.find((p) => space.membership[j * G + p] === 1);
      if (g === undefined) continue;
      listed[j] = u;
      positiveItems.push(j);
      positiveGenres.push(g);
    }
  };

  // A counting pass sizes the arrays exactly for positives (an upper bound for negatives), which
  // matters on ml-32m where a bound from all ratings ≥ 3 would be gigabytes.
  let capacity = 0;
  progress.setTotal(2 * nUsers);
  for (let u = 0; u < nUsers; u++) {
    progress.increment();
    const positive = profiles.profiles[u]?.positive;
    if (!positive || positive.length === 0) continue;
    collectPositives(u, positive);
    capacity += positiveItems.length * (ratio + 1);
  }
  rated.fill(-1);
  listed.fill(-1);
  const user = new Uint32Array(capacity);
  const item = new Uint32Array(capacity);
  const interaction = new Uint8Array(capacity);
  const genre = new Uint16Array(capacity);
  let length = 0;
  let positives = 0;
  let negatives = 0;
  let repeatedNegatives = 0;
  let usersWithoutNegatives = 0;
  let positivesLeftOut = 0;
  let usersWithRows = 0;

  for (let u = 0; u < nUsers; u++) {
    progress.increment();
    const profile = profiles.profiles[u];
    if (!profile || profile.positive.length === 0) continue;
    collectPositives(u, profile.positive);
    if (positiveItems.length === 0) continue;
    const need = positiveItems.length * ratio;
    const drawn = sampler.sample(profile.negative, need, rng, (j) => rated[j] !== u);
    if (drawn.length === 0 && need > 0) {
      usersWithoutNegatives++;
      positivesLeftOut += positiveItems.length;
      continue;
    }
    const distinct = drawn.length;
    for (let n = distinct; n < need; n++) drawn.push(drawn[rng.int(distinct)] as number);
    repeatedNegatives += need - distinct;
    usersWithRows++;
    positiveItems.forEach((j, p) => {
      user[length] = u;
      item[length] = j;
      interaction[length] = 1;
      genre[length] = positiveGenres[p] as number;
      length++;
      for (let n = p * ratio; n < Math.min((p + 1) * ratio, drawn.length); n++) {
        const neg = drawn[n] as number;
        user[length] = u;
        item[length] = neg;
        genre[length] = profile.negative.find((g) => space.membership[neg * G + g] === 1) as number;
        length++;
      }
    });
    positives += positiveItems.length;
    negatives += drawn.length;
  }

  return {
    length,
    user: user.slice(0, length),
    item: item.slice(0, length),
    interaction: interaction.slice(0, length),
    genre: genre.slice(0, length),
    genreNames: [...space.names],
    summary: {
      users: nUsers,
      usersWithProfile: profiles.usersWithProfile,
      usersWithoutEmbedding: profiles.usersWithoutEmbedding,
      usersWithRows,
      positives,
      negatives,
      negativesPerPositive: ratio,
      seed,
      repeatedNegatives,
      usersWithoutNegatives,
      positivesLeftOut,
    },
  };
}

/**
 * Uniform draws without replacement from the union of a few genres' item lists. Listing the union
 * costs the sum of the genre sizes per user, which on ml-32m (tens of thousands of movies per big
 * genre, 200k users) dominates; so a small quota is drawn by rejection instead: pick a slot in the
 * concatenated lists, accept the item with probability 1 / (how many of the genres hold it), which
 * makes every item of the union equally likely. Both paths use only `rng`, so results are seeded.
 */
class UnionSampler {
  private readonly mark: Int32Array;
  private stamp = 0;

  constructor(private readonly space: GenreSpace) {
    this.mark = new Int32Array(space.nItems);
  }

  sample(genres: readonly number[], need: number, rng: Rng, eligible: (item: number) => boolean): number[] {
    const { genreOffsets, genreItems } = this.space;
    let total = 0;
    for (const g of genres) total += genreOffsets[g + 1] - genreOffsets[g];
    if (need === 0 || total === 0) return [];
    if (need * 4 < total) {
      const drawn = this.byRejection(genres, total, need, rng, eligible);
      if (drawn !== null) return drawn;
    }
    const pool: number[] = [];
    const stamp = ++this.stamp;
    for (const g of genres) {
      for (let k = genreOffsets[g]; k < genreOffsets[g + 1]; k++) {
        const j = genreItems[k] as number;
        if (this.mark[j] === stamp || !eligible(j)) continue;
        this.mark[j] = stamp;
        pool.push(j);
      }
    }
    // Partial Fisher–Yates: only the first `take` slots need to be random.
    const take = Math.min(need, pool.length);
    for (let i = 0; i < take; i++) {
      const r = i + rng.int(pool.length - i);
      const tmp = pool[i] as number;
      pool[i] = pool[r] as number;
      pool[r] = tmp;
    }
    return pool.slice(0, take);
  }

  /** Null when the union turns out too small to fill the quota quickly; the caller then lists it. */
  private byRejection(
    genres: readonly number[],
    total: number,
    need: number,
    rng: Rng,
    eligible: (item: number) => boolean,
  ): number[] | null {
    const { genreOffsets, genreItems, membership, nGenres } = this.space;
    const stamp = ++this.stamp;
    const drawn: number[] = [];
    const maxAttempts = 32 * need + 64;
    for (let attempt = 0; attempt < maxAttempts && drawn.length < need; attempt++) {
      let slot = rng.int(total);
      let j = -1;
      for (const g of genres) {
        const size = genreOffsets[g + 1] - genreOffsets[g];
        if (slot < size) {
          j = genreItems[genreOffsets[g] + slot] as number;
          break;
        }
        slot -= size;
      }
      let copies = 0;
      for (const g of genres) copies += membership[j * nGenres + g] as number;
      if (copies > 1 && rng.next() * copies >= 1) continue;
      if (this.mark[j] === stamp || !eligible(j)) continue;
      this.mark[j] = stamp;
      drawn.push(j);
    }
    return drawn.length === need ? drawn : null;
  }
}
