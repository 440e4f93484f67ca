export interface RateLimitOptions {
  windowMs: number;
  /** Requests allowed per client per window. */
  max: number;
  /** Clients remembered at once; beyond it the oldest windows are forgotten (bounded memory under a flood of keys). */
  maxClients?: number;
  now?: () => number;
}

export type RateLimitVerdict = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

interface Window {
  start: number;
  count: number;
}

/**
 * Fixed-window counter per client key. A Map keeps insertion order and a window is re-inserted when it
 * restarts, so the first entries are always the oldest: eviction is a walk from the front.
 */
export class FixedWindowLimiter {
  readonly #windows = new Map<string, Window>();
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

  get size(): number {
    return this.#windows.size;
  }

  hit(key: string): RateLimitVerdict {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.#windowMs) {
      this.#windows.delete(key);
      this.#makeRoom(now);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count >= this.#max) return { allowed: false, retryAfterMs: window.start + this.#windowMs - now };
    window.count += 1;
    return { allowed: true, remaining: this.#max - window.count };
  }

  #makeRoom(now: number): void {
    for (const [key, window] of this.#windows) {
      const expired = now - window.start >= this.#windowMs;
      if (!expired && this.#windows.size < this.#maxClients) return;
      this.#windows.delete(key);
    }
  }
}
