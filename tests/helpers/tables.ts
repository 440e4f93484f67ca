import { RatingsBuilder } from '../../src/recsys/data/ratings-table.js';
import type { RatingsTable } from '../../src/recsys/data/types.js';

/** A ratings table from `[userId, movieId, rating, timestamp?]` rows over movie ids `itemIds`. */
export function makeTable(rows: Array<[number, number, number, number?]>, itemIds: number[]): RatingsTable {
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const builder = new RatingsBuilder(4);
  rows.forEach(([user, movie, rating, ts], n) => {
    const item = index.get(movie);
    if (item === undefined) throw new Error(`movie ${movie} not in itemIds`);
    builder.push(user, item, rating, ts ?? n);
  });
  return builder.finish(Int32Array.from(itemIds));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
