import type { RatingsTable } from './types.js';

/**
 * Grows parallel typed arrays while a ratings file streams in; `finish` trims them and builds
 * dense user indices in ascending id order. Items are resolved by the caller against the catalogue.
 */
export class RatingsBuilder {
  private capacity: number;
  private count = 0;
  private userId: Int32Array;
  private item: Uint32Array;
  private rating: Float32Array;
  private timestamp: Uint32Array;

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.userId = new Int32Array(initialCapacity);
    this.item = new Uint32Array(initialCapacity);
    this.rating = new Float32Array(initialCapacity);
    this.timestamp = new Uint32Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(userId: number, itemIndex: number, rating: number, timestamp: number): void {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.userId[i] = userId;
    this.item[i] = itemIndex;
    this.rating[i] = rating;
    this.timestamp[i] = timestamp;
  }

  finish(itemIds: Int32Array): RatingsTable {
    const n = this.count;
    const rawUsers = this.userId.subarray(0, n);
    const uniqueUsers = Int32Array.from(new Set(rawUsers)).sort();
    const userIndex = new Map<number, number>();
    for (let u = 0; u < uniqueUsers.length; u++) userIndex.set(uniqueUsers[u], u);
    const user = new Uint32Array(n);
    for (let i = 0; i < n; i++) user[i] = userIndex.get(rawUsers[i]) as number;
    const itemIndex = new Map<number, number>();
    for (let j = 0; j < itemIds.length; j++) itemIndex.set(itemIds[j], j);
    // Copying 32 M rows would double peak memory; keep the buffers when little of them is slack.
    const trim = this.capacity > n * 1.25;
    const shrink = <T extends Uint32Array | Float32Array>(a: T): T => (trim ? (a.slice(0, n) as T) : (a.subarray(0, n) as T));
    return {
      length: n,
      user,
      item: shrink(this.item),
      rating: shrink(this.rating),
      timestamp: shrink(this.timestamp),
      userIds: uniqueUsers,
      itemIds,
      userIndex,
      itemIndex,
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const grow = <T extends Int32Array | Uint32Array | Float32Array>(old: T, make: (n: number) => T): T => {
      const next = make(this.capacity);
      next.set(old);
      return next;
    };
    this.userId = grow(this.userId, (c) => new Int32Array(c));
    this.item = grow(this.item, (c) => new Uint32Array(c));
    this.rating = grow(this.rating, (c) => new Float32Array(c));
    this.timestamp = grow(this.timestamp, (c) => new Uint32Array(c));
  }
}

/** Ratings grouped by user: the ratings of user u are `order[offsets[u] .. offsets[u+1])`. */
export interface UserGroups {
  offsets: Uint32Array;
  order: Uint32Array;
}

/** Counting sort by user; within a user, ratings keep their file order. O(n), no comparisons. */
export function groupByUser(table: RatingsTable): UserGroups {
  const nUsers = table.userIds.length;
  const offsets = new Uint32Array(nUsers + 1);
  for (let i = 0; i < table.length; i++) offsets[table.user[i] + 1]++;
  for (let u = 0; u < nUsers; u++) offsets[u + 1] += offsets[u];
  const cursor = offsets.slice(0, nUsers);
  const order = new Uint32Array(table.length);
  for (let i = 0; i < table.length; i++) order[cursor[table.user[i]]++] = i;
  return { offsets, order };
}

/** A new table holding the given rows of `table` (same id maps). */
export function selectRows(table: RatingsTable, rows: ArrayLike<number>): RatingsTable {
  const n = rows.length;
  const user = new Uint32Array(n);
  const item = new Uint32Array(n);
  const rating = new Float32Array(n);
  const timestamp = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    user[k] = table.user[i];
    item[k] = table.item[i];
    rating[k] = table.rating[i];
    timestamp[k] = table.timestamp[i];
  }
  return { ...table, length: n, user, item, rating, timestamp };
}
