export interface RateLimitOptions {
  windowMs: number;
  /** Requests allowed per client per window (a hit may name its own, e.g. a developer key's limit). */
  max: number;
  /** Clients remembered at once; while all of them are in a live window, new clients share one overflow window. */
  maxClients?: number;
  now?: () => number;
}

export type RateLimitVerdict =
  | { allowed: true; remaining: number; limit: number }
  | { allowed: false; retryAfterMs: number; limit: number };

interface Window {
  start: number;
  count: number;
}

/**
 * Fixed-window counter per client key, in bounded memory. A Map keeps insertion order and a window is
 * re-inserted when it restarts, so the first entries are always the oldest: expired windows are swept
 * from the front. A live window is never dropped to make room: a flood of new keys (forged or rotated
 * addresses) would otherwise reset real clients' counts. When the table is full of live windows, every
 * key not in it is counted in one shared overflow window, so the flood is limited like a single client.
 */
export class FixedWindowLimiter {
  readonly #windows = new Map<string, Window>();
  #overflow: Window = { start: Number.NEGATIVE_INFINITY, count: 0 };
  readonly #windowMs: number;
  readonly #max: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor({ windowMs, max, maxClients = 10_000, now = Date.now }: RateLimitOptions) {
    if (!(windowMs > 0) || !(max >= 1) || !(maxClients >= 1))
      throw new RangeError('rate limit: windowMs, max and maxClients must be positive');
    this.#windowMs = windowMs;
    this.#max = Math.floor(max);
    this.#maxClients = Math.floor(maxClients);
    this.#now = now;
  }

  /** Clients with a window of their own (never above maxClients; the overflow window is not counted). */
  get size(): number {
    return this.#windows.size;
  }

  hit(key: string, max: number = this.#max): RateLimitVerdict {
    const now = this.#now();
    const window = this.#windowFor(key, now);
    const limit = Math.max(1, Math.floor(max));
    if (window.count >= limit) return { allowed: false, retryAfterMs: window.start + this.#windowMs - now, limit };
    window.count += 1;
    return { allowed: true, remaining: limit - window.count, limit };
  }

  #windowFor(key: string, now: number): Window {
    const current = this.#windows.get(key);
    if (current !== undefined && now - current.start < this.#windowMs) return current;
    // Its own expired window frees its own slot, so a returning client always gets back in.
    this.#windows.delete(key);
    this.#sweep(now);
    if (this.#windows.size >= this.#maxClients) {
      if (now - this.#overflow.start >= this.#windowMs) this.#overflow = { start: now, count: 0 };
      return this.#overflow;
    }
    const fresh = { start: now, count: 0 };
    this.#windows.set(key, fresh);
    return fresh;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.start < this.#windowMs) return;
      this.#windows.delete(key);
    }
  }
}
