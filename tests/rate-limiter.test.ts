import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from '../src/util/rate-limiter.js';

describe('FixedWindowLimiter memory bound', () => {
  it('never holds more than maxClients windows, whatever the flood', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 60_000, max: 1, maxClients: 100, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      now = i;
      limiter.hit(`client-${i}`);
    }
    expect(limiter.size).toBe(100);
  });

  it('a flood of new keys does not evict or reset a real client', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 60_000, max: 5, maxClients: 10, now: () => now });
    for (let i = 0; i < 5; i++) expect(limiter.hit('real').allowed).toBe(true);
    expect(limiter.hit('real').allowed).toBe(false);
    for (let i = 0; i < 1000; i++) {
      now += 1;
      limiter.hit(`forged-${i}`);
    }
    // Still over its budget: its window was neither dropped nor restarted by the churn.
    expect(limiter.hit('real')).toMatchObject({ allowed: false });
    expect(limiter.size).toBe(10);
  });

  it('counts every key that finds the table full in one shared overflow window', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 60_000, max: 3, maxClients: 2, now: () => now });
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('b').allowed).toBe(true);
    const verdicts = Array.from({ length: 10 }, (_, i) => limiter.hit(`new-${i}`).allowed);
    // Ten distinct newcomers get three requests between them, like one client.
    expect(verdicts.filter(Boolean)).toHaveLength(3);
    expect(limiter.hit('a')).toEqual({ allowed: true, remaining: 1, limit: 3 });
    // The overflow window expires like any other.
    now = 60_000;
    expect(limiter.hit('new-0').allowed).toBe(true);
  });

  it('reuses the slots of expired windows before overflowing', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 1000, max: 1, maxClients: 2, now: () => now });
    limiter.hit('a');
    limiter.hit('b');
    now = 1000;
    expect(limiter.hit('c')).toEqual({ allowed: true, remaining: 0, limit: 1 });
    expect(limiter.hit('d')).toEqual({ allowed: true, remaining: 0, limit: 1 });
    expect(limiter.size).toBe(2);
    // c and d hold the table now; e overflows, and the overflow window is one client's budget.
    expect(limiter.hit('e').allowed).toBe(true);
    expect(limiter.hit('f').allowed).toBe(false);
  });

  it('a returning client whose window expired always gets its own window back', () => {
    let now = 0;
    const limiter = new FixedWindowLimiter({ windowMs: 1000, max: 1, maxClients: 2, now: () => now });
    limiter.hit('real');
    now = 500;
    limiter.hit('other');
    now = 1200;
    // 'other' is still live and the table is full, but real's own expired slot is its to reuse.
    expect(limiter.hit('real').allowed).toBe(true);
    expect(limiter.hit('newcomer').allowed).toBe(true);
    expect(limiter.hit('newcomer-2').allowed).toBe(false);
  });

  it('takes a per-hit limit, e.g. a developer key of its own', () => {
    const limiter = new FixedWindowLimiter({ windowMs: 1000, max: 1, now: () => 0 });
    expect(limiter.hit('k', 3)).toEqual({ allowed: true, remaining: 2, limit: 3 });
    limiter.hit('k', 3);
    limiter.hit('k', 3);
    expect(limiter.hit('k', 3)).toEqual({ allowed: false, retryAfterMs: 1000, limit: 3 });
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new FixedWindowLimiter({ windowMs: 0, max: 1 })).toThrow(RangeError);
    expect(() => new FixedWindowLimiter({ windowMs: 1, max: 1, maxClients: 0 })).toThrow(RangeError);
  });
});
