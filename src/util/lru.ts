/**
 * A bounded least-recently-used map: Map keeps insertion order, so the first key is the oldest.
 * `keep` marks entries that must not be evicted yet (e.g. with unwritten changes): the map may then
 * hold more than `capacity` until `trim()` runs after they are released.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    private readonly keep?: (key: K, value: V) => boolean,
  ) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    this.trim();
  }

  /** Evicts the oldest entries not kept until the map is within capacity (or only kept ones remain). */
  trim(): void {
    if (this.map.size <= this.capacity) return;
    for (const [key, value] of this.map) {
      if (this.map.size <= this.capacity) return;
      if (!this.keep?.(key, value)) this.map.delete(key);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
