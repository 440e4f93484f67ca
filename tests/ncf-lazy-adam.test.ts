import { describe, expect, it } from 'vitest';
import { adamRange, adamStep, catchUpAndStep, catchUpRange, MissedSteps } from '../src/recsys/ncf/lazy-adam.js';
import { createRng } from '../src/recsys/random.js';

const figures = (s: MissedSteps) => [s.factor, s.firstDecay, s.secondDecay, s.epsilon];

describe('lazy Adam: catch-up figures', () => {
  it('are the same remembered as computed afresh, for short, horizon-long, settled and very long gaps', () => {
    const remembered = new MissedSteps();
    for (const upTo of [3, 40, 129, 300, 9_999, 10_200, 12_000, 30_000])
      for (const last of [1, 2, upTo - 1, upTo - 5, upTo - 127, upTo - 128, upTo - 200, upTo - 5_000]) {
        if (last < 1 || last >= upTo) continue;
        // Twice: the second load reads what the first remembered.
        for (let pass = 0; pass < 2; pass++) {
          expect(remembered.load(last, upTo)).toBe(true);
          const fresh = new MissedSteps();
          fresh.load(last, upTo);
          expect(figures(remembered)).toEqual(figures(fresh));
        }
      }
  });

  it('are recomputed when the same gap comes back at a later step', () => {
    const steps = new MissedSteps();
    steps.load(90, 100);
    const early = figures(steps);
    steps.load(9_990, 10_000);
    expect(figures(steps)).not.toEqual(early);
    const fresh = new MissedSteps();
    fresh.load(9_990, 10_000);
    expect(figures(steps)).toEqual(figures(fresh));
  });

  it('say there is nothing to catch up for a row never touched or already up to date', () => {
    const steps = new MissedSteps();
    expect(steps.load(0, 50)).toBe(false);
    expect(steps.load(50, 50)).toBe(false);
  });
});

describe('lazy Adam: one pass over a row', () => {
  it('gives catchUpRange then adamRange, bit for bit', () => {
    const rng = createRng(5);
    const n = 37;
    const random = (scale: number) => Float32Array.from({ length: n + 3 }, () => (rng.next() - 0.5) * scale);
    const P = random(1);
    const m = random(0.01);
    const v = random(1e-4).map(Math.abs);
    const grad = Float64Array.from({ length: n + 2 }, () => (rng.next() - 0.5) * 0.1);
    for (const [last, upTo] of [
      [7, 9],
      [100, 400],
      [11_000, 11_050],
    ] as const) {
      const missed = new MissedSteps();
      missed.load(last, upTo);
      const twoPass = { P: P.slice(), m: m.slice(), v: v.slice() };
      const onePass = { P: P.slice(), m: m.slice(), v: v.slice() };
      const a2 = adamStep(twoPass.P, twoPass.m, twoPass.v, 0.001, upTo + 1);
      catchUpRange(a2, missed, 0.001, 2, n);
      adamRange(a2, 2, grad, 1, n);
      catchUpAndStep(adamStep(onePass.P, onePass.m, onePass.v, 0.001, upTo + 1), missed, 0.001, 2, grad, 1, n);
      expect(onePass.P).toEqual(twoPass.P);
      expect(onePass.m).toEqual(twoPass.m);
      expect(onePass.v).toEqual(twoPass.v);
      // The values around the range are not touched.
      expect([onePass.P[0], onePass.P[1], onePass.P[n + 2]]).toEqual([P[0], P[1], P[n + 2]]);
    }
  });
});
