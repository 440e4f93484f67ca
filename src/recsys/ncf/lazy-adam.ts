/**
 * Lazy Adam for the sparse trainer's embedding rows (see sparse-step.ts): a row is updated only
 * when a batch looks it up, and a row coming back after k steps away first catches up on the k
 * zero-gradient steps dense Adam would have given it, in closed form.
 */

/** tf.train.adam's defaults (epsilon is the float32 backends' epsilon), so both trainers agree. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** Parameters and moments, and step `t`'s bias corrections. */
export interface AdamStep {
  P: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** learning rate / (1 − β1^t) */
  rate: number;
  /** 1 / (1 − β2^t) */
  unbias: number;
}

export function adamStep(P: Float32Array, m: Float32Array, v: Float32Array, learningRate: number, step: number): AdamStep {
  return { P, m, v, rate: learningRate / (1 - ADAM.beta1 ** step), unbias: 1 / (1 - ADAM.beta2 ** step) };
}

/** Beyond this many missed steps what momentum is left moves a row < 2e-6 of its catch-up: that tail is dropped. */
const CATCH_UP_HORIZON = 128;
/** From this step on √(1−β2^s)/(1−β1^s) changes by < 1e-5 over the horizon: the sum is geometric. */
const SETTLED_STEP = 10_000;
/**
 * Gaps remembered per step. Every row that comes back at one step after the same gap shares its
 * catch-up figures, and a bigger catalogue means longer gaps: computing them once per (step,
 * gap) instead of once per row keeps that cost from growing with the catalogue.
 */
const REMEMBERED_GAPS = 4096;

/**
 * The steps (last, upTo] a row sat out. Dense Adam gave it, at each, m·β1^j / c1(s) over
 * √(v·β2^j / c2(s)) + ε; with ε taken at the first missed step that is m / (√v + ε′) times one
 * factor per row. One instance per thread, reloaded for each row (no allocation per row).
 */
export class MissedSteps {
  /** Σ over the missed steps s of β1^j/β2^(j/2) · √(1−β2^s)/(1−β1^s), j = s − last. */
  factor = 0;
  firstDecay = 1;
  secondDecay = 1;
  /** ε in units of the uncorrected √v at the first missed step: √(1−β2^(last+1)) · ε. */
  epsilon = 0;
  /** Per gap: the upTo its figures below were computed for (0: none). */
  private readonly computedFor = new Int32Array(REMEMBERED_GAPS);
  /** Per gap: factor, firstDecay, secondDecay, epsilon. */
  private readonly figures = new Float64Array(4 * REMEMBERED_GAPS);

  /** Loads the figures for a row last brought up to step `last`; false when there is nothing to catch up. */
  load(last: number, upTo: number): boolean {
    const gap = upTo - last;
    // last 0: never touched this phase, zero moments.
    if (last === 0 || gap <= 0) return false;
    if (gap >= REMEMBERED_GAPS) {
      this.compute(last, gap);
      return true;
    }
    const at = 4 * gap;
    if (this.computedFor[gap] === upTo) {
      this.factor = this.figures[at] as number;
      this.firstDecay = this.figures[at + 1] as number;
      this.secondDecay = this.figures[at + 2] as number;
      this.epsilon = this.figures[at + 3] as number;
      return true;
    }
    this.compute(last, gap);
    this.computedFor[gap] = upTo;
    this.figures[at] = this.factor;
    this.figures[at + 1] = this.firstDecay;
    this.figures[at + 2] = this.secondDecay;
    this.figures[at + 3] = this.epsilon;
    return true;
  }

  private compute(last: number, gap: number): void {
    const horizon = Math.min(gap, CATCH_UP_HORIZON);
    const p = powers();
    if (last >= SETTLED_STEP) {
      // The bias corrections no longer move over the horizon: a geometric sum times their value.
      const s = last + 1;
      this.factor = (p.geometric[horizon] as number) * (Math.sqrt(1 - secondPower(p, s)) / (1 - firstPower(p, s)));
    } else if (horizon === CATCH_UP_HORIZON) {
      // Rows of a large catalogue are mostly away longer than the horizon: one lookup, not 128 terms.
      this.factor = fullHorizonFactor(last);
    } else {
      this.factor = horizonSum(last, horizon);
    }
    this.firstDecay = firstPower(p, gap);
    this.secondDecay = gap < p.second.length ? (p.second[gap] as number) : ADAM.beta2 ** gap;
    this.epsilon = Math.sqrt(1 - secondPower(p, last + 1)) * ADAM.epsilon;
  }
}

/**
 * β1^k and β2^k as `**` computes them, looked up: a row away for long — most rows of a large
 * catalogue — needed up to five powers, ~30 ns each, and the figures of long gaps are rarely
 * shared by two rows. The same values, so the same bits.
 */
interface Powers {
  /** β1^k until it underflows to 0 (k ≈ 7,073); beyond, `**` gives 0 as well (tested). */
  first: Float64Array;
  /** β2^k until 1 − β2^k rounds to 1 (k ≈ 37,412). */
  second: Float64Array;
  /** r(1 − r^h)/(1 − r) for h ≤ CATCH_UP_HORIZON, r = β1/√β2: the settled catch-up's sum. */
  geometric: Float64Array;
}

let tables: Powers | null = null;

function powers(): Powers {
  if (tables) return tables;
  const { beta1, beta2 } = ADAM;
  const upTo = (keep: (k: number) => boolean) => {
    let n = 0;
    while (keep(n)) n++;
    return n;
  };
  const first = Float64Array.from({ length: upTo((k) => beta1 ** k !== 0) }, (_, k) => beta1 ** k);
  const second = Float64Array.from({ length: upTo((k) => 1 - beta2 ** k !== 1) }, (_, k) => beta2 ** k);
  const r = beta1 / Math.sqrt(beta2);
  const geometric = Float64Array.from({ length: CATCH_UP_HORIZON + 1 }, (_, h) => (r * (1 - r ** h)) / (1 - r));
  tables = { first, second, geometric };
  return tables;
}

function firstPower(p: Powers, k: number): number {
  return k < p.first.length ? (p.first[k] as number) : 0;
}

/** β2^k where only 1 − β2^k is used: beyond the table that is 1 − (a value that rounds away) = 1. */
function secondPower(p: Powers, k: number): number {
  return k < p.second.length ? (p.second[k] as number) : 0;
}

/** For tests: the tables' lengths, and the powers as compute() reads them. */
export const powerTables = { powers, firstPower, secondPower };

/** Σ_{j=1..horizon} (β1/√β2)^j · √(1−β2^s)/(1−β1^s), s = last + j. */
function horizonSum(last: number, horizon: number): number {
  const { beta1, beta2 } = ADAM;
  const r = beta1 / Math.sqrt(beta2);
  let factor = 0;
  let rj = r;
  let b1 = beta1 ** (last + 1);
  let b2 = beta2 ** (last + 1);
  for (let j = 1; j <= horizon; j++) {
    factor += (rj * Math.sqrt(1 - b2)) / (1 - b1);
    rj *= r;
    b1 *= beta1;
    b2 *= beta2;
  }
  return factor;
}

let fullHorizon: Float64Array | null = null;

/** horizonSum(last, CATCH_UP_HORIZON) for last < SETTLED_STEP, tabulated on first use (a few ms). */
function fullHorizonFactor(last: number): number {
  if (!fullHorizon) {
    fullHorizon = new Float64Array(SETTLED_STEP);
    for (let l = 1; l < SETTLED_STEP; l++) fullHorizon[l] = horizonSum(l, CATCH_UP_HORIZON);
  }
  return fullHorizon[last] as number;
}

/** Brings parameters [offset, offset + n) through their missed steps, without a gradient step. */
export function catchUpRange(a: AdamStep, missed: MissedSteps, learningRate: number, offset: number, n: number): void {
  const { P, m, v } = a;
  const rate = learningRate * missed.factor;
  for (let j = 0; j < n; j++) {
    const p = offset + j;
    const mp = m[p] as number;
    const vp = v[p] as number;
    P[p] = (P[p] as number) - (rate * mp) / (Math.sqrt(vp) + missed.epsilon);
    m[p] = mp * missed.firstDecay;
    v[p] = vp * missed.secondDecay;
  }
}

/** Adam on parameters [offset, offset + n) with gradients grad[from …]; tf.train.adam's update. */
export function adamRange(a: AdamStep, offset: number, grad: Float64Array, from: number, n: number): void {
  const { P, m, v, rate, unbias } = a;
  const { beta1, beta2, epsilon } = ADAM;
  for (let j = 0; j < n; j++) {
    const p = offset + j;
    const g = grad[from + j] as number;
    const mp = beta1 * (m[p] as number) + (1 - beta1) * g;
    const vp = beta2 * (v[p] as number) + (1 - beta2) * g * g;
    m[p] = mp;
    v[p] = vp;
    P[p] = (P[p] as number) - (rate * mp) / (Math.sqrt(vp * unbias) + epsilon);
  }
}

/**
 * catchUpRange then adamRange, in one pass over the row: each value is read and written once
 * instead of twice. Math.fround stands for the float32 store between the two, so the result is
 * the two calls' bit for bit.
 */
export function catchUpAndStep(
  a: AdamStep,
  missed: MissedSteps,
  learningRate: number,
  offset: number,
  grad: Float64Array,
  from: number,
  n: number,
): void {
  const { P, m, v, rate, unbias } = a;
  const { beta1, beta2, epsilon } = ADAM;
  const catchUpRate = learningRate * missed.factor;
  const { firstDecay, secondDecay, epsilon: catchUpEpsilon } = missed;
  for (let j = 0; j < n; j++) {
    const p = offset + j;
    const m0 = m[p] as number;
    const v0 = v[p] as number;
    const caughtUp = Math.fround((P[p] as number) - (catchUpRate * m0) / (Math.sqrt(v0) + catchUpEpsilon));
    const g = grad[from + j] as number;
    const mp = beta1 * Math.fround(m0 * firstDecay) + (1 - beta1) * g;
    const vp = beta2 * Math.fround(v0 * secondDecay) + (1 - beta2) * g * g;
    m[p] = mp;
    v[p] = vp;
    P[p] = caughtUp - (rate * mp) / (Math.sqrt(vp * unbias) + epsilon);
  }
}
