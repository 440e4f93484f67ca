import { describe, expect, it } from 'vitest';
import { ADAM, adamRange, adamStep, catchUpAndStep, catchUpRange, MissedSteps, powerTables } from '../src/recsys/ncf/lazy-adam.js';
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

/** The catch-up figures written out with `**`, as the trainer computed them before the tables (settled and long gaps only). */
function closedForm(last: number, gap: number): number[] {
  const { beta1, beta2 } = ADAM;
  const horizon = Math.min(gap, 128);
  const r = beta1 / Math.sqrt(beta2);
  const s = last + 1;
  const factor = ((r * (1 - r ** horizon)) / (1 - r)) * (Math.sqrt(1 - beta2 ** s) / (1 - beta1 ** s));
  return [factor, beta1 ** gap, beta2 ** gap, Math.sqrt(1 - beta2 ** (last + 1)) * ADAM.epsilon];
}

describe('lazy Adam: powers looked up', () => {
  it('give what ** gives, bit for bit, for settled rows and gaps beyond every table', () => {
    const steps = new MissedSteps();
    for (const last of [10_000, 10_001, 12_345, 37_411, 37_412, 37_413, 80_000, 400_000])
      for (const gap of [1, 5, 127, 128, 129, 4_095, 4_096, 7_072, 7_073, 7_074, 37_411, 37_412, 37_413, 90_000, 1_000_000]) {
        steps.load(last, last + gap);
        expect(figures(steps), `last ${last}, gap ${gap}`).toEqual(closedForm(last, gap));
      }
  });

  it('hold β1^k and β2^k as ** computes them, and stop where ** gives 0, and 1 − β2^k gives 1, for good', () => {
    const { powers, firstPower, secondPower } = powerTables;
    const { first, second } = powers();
    for (let k = 0; k < first.length; k += 7) expect(first[k]).toBe(ADAM.beta1 ** k);
    for (let k = 0; k < second.length; k += 13) expect(second[k]).toBe(ADAM.beta2 ** k);
    for (let k = first.length; k < 2_000_000; k += 997) expect(ADAM.beta1 ** k === 0 && firstPower(powers(), k) === 0).toBe(true);
    for (let k = second.length; k < 2_000_000; k += 997) expect(1 - ADAM.beta2 ** k === 1 - secondPower(powers(), k)).toBe(true);
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
