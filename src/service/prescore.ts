import { strongest } from './candidates.js';
import { type Moments, popularityOrder, zOf } from './catalogue-stats.js';
import type { HybridParts, SignalName, SignalWeights } from './hybrid.js';
import { kernelsFor, type PrescoreBaseInput } from './kernels/index.js';
import { dotAt } from './signals/content.js';

/**
 * The first stage's main source: the movies best by the cheap part of the blend (popularity, genre,
 * item-item and the fold-in frozen at the mean user plus its GMF term, each on its catalogue z
 * scale). Scoring every movie costs a pass over the catalogue (2.5 ms a request at 62,000 movies),
 * so the movies are kept in blocks with bounds, and a request scores only the blocks whose bound
 * can still reach its top: the same movies as the full pass, found in a fraction of it.
 */
export interface PrescoreBlocks {
  /** Movies, most popular first; block b is order[b·BLOCK, (b+1)·BLOCK). */
  order: Uint32Array;
  /** Per block: popularity's least and greatest value. */
  popLow: Float32Array;
  popHigh: Float32Array;
  /** Per block, per feature (the MLP prior, then each GMF factor): least and greatest value. */
  low: Float32Array;
  high: Float32Array;
}

/** Movies per block: small enough for tight bounds, big enough that bounding costs little. */
export const PRESCORE_BLOCK = 64;

/**
 * Catalogues this small take the full pass: on ml-100k (1,682 movies) the bounds still left ~730
 * movies to score and cost as much as they saved.
 */
export const FULL_PASS_UP_TO = 2048;

export function buildPrescoreBlocks(
  parts: HybridParts,
  mlpPrior: Float32Array,
  order: Uint32Array = popularityOrder(parts.popularity),
): PrescoreBlocks {
  const n = parts.nItems;
  const { factors, gmfItem } = parts.foldIn;
  const blocks = Math.ceil(n / PRESCORE_BLOCK);
  const width = 1 + factors;
  const popLow = new Float32Array(blocks).fill(Number.POSITIVE_INFINITY);
  const popHigh = new Float32Array(blocks).fill(Number.NEGATIVE_INFINITY);
  const low = new Float32Array(blocks * width).fill(Number.POSITIVE_INFINITY);
  const high = new Float32Array(blocks * width).fill(Number.NEGATIVE_INFINITY);
  for (let p = 0; p < n; p++) {
    const j = order[p] as number;
    const b = Math.floor(p / PRESCORE_BLOCK);
    const pop = parts.popularity[j] as number;
    popLow[b] = Math.min(popLow[b] as number, pop);
    popHigh[b] = Math.max(popHigh[b] as number, pop);
    for (let f = 0; f < width; f++) {
      const x = f === 0 ? (mlpPrior[j] as number) : (gmfItem[j * factors + f - 1] as number);
      low[b * width + f] = Math.min(low[b * width + f] as number, x);
      high[b * width + f] = Math.max(high[b * width + f] as number, x);
    }
  }
  return { order, popLow, popHigh, low, high };
}

/** What one request's prescore reads. */
export interface PrescoreInput {
  weights: SignalWeights;
  moments: Partial<Record<SignalName, Moments>>;
  /** The genre score of each distinct genre set. */
  genreSets: Float32Array;
  setOf: Uint32Array;
  mlpPrior: Float32Array;
  itemItem: { items: Uint32Array; values: Float64Array };
  /** The request's fold-in GMF vector, or null without one. */
  gmf: Float32Array | null;
  /** Movies that may not be selected (1), or null for none. */
  exclude?: Uint8Array | null;
}

/**
 * One request's prescore of a movie: the scales and genre-set scores computed once a request.
 */
class Prescorer {
  readonly popScale: number;
  readonly gmfScale: number;
  /** Whether item-item adds to the prescore (a weight, and picks with neighbours). */
  readonly hasItemItem: boolean;
  readonly bestSet: number;
  private readonly setZ: Float32Array;
  private readonly popularity: Float32Array;
  private readonly gmfItem: Float32Array;
  private readonly factors: number;
  /** What the kernels read, one object a request so they copy its genre-set scores once. */
  private kernelInput: PrescoreBaseInput | null = null;

  constructor(
    parts: HybridParts,
    private readonly input: PrescoreInput,
  ) {
    const { weights, moments, genreSets } = input;
    // Plain loops: a typed array's from() with a map function costs a call per genre set.
    this.setZ = new Float32Array(genreSets.length);
    let bestSet = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < genreSets.length; p++) {
      this.setZ[p] = weights.genre * zOf(genreSets[p] as number, moments.genre as Moments);
      bestSet = Math.max(bestSet, this.setZ[p] as number);
    }
    this.bestSet = bestSet;
    const pop = moments.popularity as Moments;
    this.popScale = pop.sd > 1e-12 ? weights.popularity / pop.sd : 0;
    const foldSd = moments.foldIn?.sd ?? 0;
    this.gmfScale = input.gmf && foldSd > 1e-12 ? weights.foldIn / foldSd : 0;
    const ii = moments.itemItem as Moments;
    this.hasItemItem = weights.itemItem !== 0 && ii.sd > 1e-12;
    this.popularity = parts.popularity;
    this.gmfItem = parts.foldIn.gmfItem;
    this.factors = parts.foldIn.factors;
  }

  /**
   * Base prescores (without item-item) of the movies order[from, to) — or from … to − 1 themselves
   * when order is null — into out[0 …], rounded as a Float32Array stores them. One loop with every
   * read hoisted: the catalogue's only O(n) pass when it runs in full.
   */
  baseScores(order: Uint32Array | null, from: number, to: number, out: Float32Array): void {
    const { popScale, gmfScale, setZ, popularity, gmfItem, factors } = this;
    const { setOf, mlpPrior, gmf } = this.input;
    const kernels = kernelsFor(gmfItem);
    if (kernels?.holds(popularity, setOf, mlpPrior)) {
      this.kernelInput ??= { popScale, gmfScale, popularity, setZ, setOf, mlpPrior, gmf, gmfItem, factors };
      kernels.prescoreBase(this.kernelInput, order ? order.subarray(from, to) : null, from, to - from, out);
      return;
    }
    for (let q = from; q < to; q++) {
      const j = order ? (order[q] as number) : q;
      let s = popScale * (popularity[j] as number) + (setZ[setOf[j] as number] as number);
      // dotAt's four partial sums, as the full ranking's dot products.
      if (gmfScale !== 0) s += gmfScale * ((mlpPrior[j] as number) + dotAt(gmf as Float32Array, gmfItem, j * factors, factors));
      out[q - from] = s;
    }
  }

  /** The prescore of itemItem.items[k] from its base: plus the item-item term, as the full pass sums them. */
  withItemItem(k: number, base: number): number {
    const { itemItem, weights } = this.input;
    const ii = this.input.moments.itemItem as Moments;
    return Math.fround(base + (weights.itemItem * (itemItem.values[k] as number)) / ii.sd);
  }
}

/** Every movie's prescore (the full pass; tests hold prescoreTop to it). */
export function prescoreAll(parts: HybridParts, input: PrescoreInput): Float32Array {
  const p = new Prescorer(parts, input);
  const out = new Float32Array(parts.nItems);
  p.baseScores(null, 0, out.length, out);
  if (p.hasItemItem) {
    const { items } = input.itemItem;
    for (let k = 0; k < items.length; k++) out[items[k] as number] = p.withItemItem(k, out[items[k] as number] as number);
  }
  return out;
}

/**
 * The k movies with the best prescore that `input.exclude` allows — the set `prescoreAll` then a
 * top-k (ties to the lower movie) gives — scoring item-item's movies and then blocks in order of
 * their bound until no unscored block can reach the k-th best; `scored` counts the movies it
 * scored. `mark` is an nItems scratch left zeroed.
 */
export function prescoreTop(
  parts: HybridParts,
  blocks: PrescoreBlocks,
  input: PrescoreInput,
  k: number,
  mark: Uint8Array,
): { top: number[]; scored: number } {
  const n = parts.nItems;
  const exclude = input.exclude ?? null;
  const allowed = (j: number) => exclude === null || exclude[j] !== 1;
  // On a small catalogue, or when item-item already reaches most movies, bounds save nothing.
  if (n <= FULL_PASS_UP_TO || 2 * input.itemItem.items.length >= n) {
    return { top: topAllowed(prescoreAll(parts, input), exclude, k), scored: n };
  }
  const p = new Prescorer(parts, input);
  const items: number[] = [];
  const values: number[] = [];
  const best = new MinHeap(k);
  const skipped: number[] = [];
  const score = (j: number, v: number) => {
    mark[j] = 1;
    if (!allowed(j)) {
      skipped.push(j);
      return;
    }
    items.push(j);
    values.push(v);
    best.offer(v);
  };
  const base = new Float32Array(Math.max(PRESCORE_BLOCK, input.itemItem.items.length));
  if (p.hasItemItem) {
    const touched = input.itemItem.items;
    p.baseScores(touched, 0, touched.length, base);
    for (let t = 0; t < touched.length; t++) score(touched[t] as number, p.withItemItem(t, base[t] as number));
  }
  const bounds = blockBounds(parts, blocks, p, input.gmf);
  // Highest bound first, by a heap: only the blocks scored before the stop are ever ordered.
  const queue = new BlockQueue(bounds);
  for (let b = queue.pop(); b >= 0; b = queue.pop()) {
    // Strictly below: a movie tying the k-th best could still win on its lower index.
    if (best.full() && (bounds[b] as number) < best.min()) break;
    const from = b * PRESCORE_BLOCK;
    const end = Math.min(n, from + PRESCORE_BLOCK);
    p.baseScores(blocks.order, from, end, base);
    for (let q = from; q < end; q++) {
      const j = blocks.order[q] as number;
      if (mark[j] === 0) score(j, base[q - from] as number);
    }
  }
  for (const j of items) mark[j] = 0;
  for (const j of skipped) mark[j] = 0;
  // Every value was offered to `best`, so once it is full its minimum is the k-th largest.
  const threshold = best.full() ? best.min() : undefined;
  return { top: Array.from(strongest(items, values, k, threshold)), scored: items.length + skipped.length };
}

/**
 * What `strongest` gives over the allowed movies of a full pass — those above the k-th best in
 * movie order, then ties by lower movie — read straight from the scores: no per-movie lists,
 * which on ml-100k cost more than the pass itself.
 */
function topAllowed(scores: Float32Array, exclude: Uint8Array | null, k: number): number[] {
  const best = new MinHeap(k);
  let allowedCount = 0;
  for (let j = 0; j < scores.length; j++) {
    if (exclude !== null && exclude[j] === 1) continue;
    allowedCount++;
    best.offer(scores[j] as number);
  }
  const top: number[] = [];
  if (allowedCount <= k) {
    for (let j = 0; j < scores.length; j++) if (exclude === null || exclude[j] !== 1) top.push(j);
    return top;
  }
  const threshold = best.min();
  const tied: number[] = [];
  for (let j = 0; j < scores.length; j++) {
    if (exclude !== null && exclude[j] === 1) continue;
    const v = scores[j] as number;
    if (v > threshold) top.push(j);
    else if (v === threshold) tied.push(j);
  }
  for (let t = 0; top.length < k && t < tied.length; t++) top.push(tied[t] as number);
  return top;
}

/** An upper bound of `base` over each block, with a little slack for Float32 rounding. */
function blockBounds(parts: HybridParts, blocks: PrescoreBlocks, p: Prescorer, gmf: Float32Array | null): Float64Array {
  const factors = parts.foldIn.factors;
  const width = 1 + factors;
  const count = blocks.popLow.length;
  const out = new Float64Array(count);
  const c = new Float64Array(width);
  if (gmf && p.gmfScale !== 0) {
    c[0] = p.gmfScale;
    for (let f = 0; f < factors; f++) c[f + 1] = p.gmfScale * (gmf[f] as number);
  }
  for (let b = 0; b < count; b++) {
    let ub = Math.max(p.popScale * (blocks.popLow[b] as number), p.popScale * (blocks.popHigh[b] as number)) + p.bestSet;
    if (p.gmfScale !== 0) {
      for (let f = 0; f < width; f++) {
        const cf = c[f] as number;
        ub += Math.max(cf * (blocks.low[b * width + f] as number), cf * (blocks.high[b * width + f] as number));
      }
    }
    out[b] = ub + 1e-5 * (1 + Math.abs(ub));
  }
  return out;
}

/** Block indices, the highest bound first (a binary max-heap on the bounds). */
class BlockQueue {
  private readonly heap: Uint32Array;
  private size: number;
  constructor(private readonly bounds: Float64Array) {
    this.heap = new Uint32Array(bounds.length);
    // A loop: from() with a map function costs a call per block, each request.
    for (let b = 0; b < bounds.length; b++) this.heap[b] = b;
    this.size = bounds.length;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.sink(i);
  }
  /** The next block, or −1 when none is left. */
  pop(): number {
    if (this.size === 0) return -1;
    const top = this.heap[0] as number;
    this.size--;
    this.heap[0] = this.heap[this.size] as number;
    this.sink(0);
    return top;
  }
  private sink(from: number): void {
    const { heap, bounds } = this;
    const b = heap[from] as number;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (bounds[heap[r] as number] as number) > (bounds[heap[l] as number] as number) ? r : l;
      if ((bounds[heap[c] as number] as number) <= (bounds[b] as number)) break;
      heap[i] = heap[c] as number;
      i = c;
    }
    heap[i] = b;
  }
}

/** The k largest values offered so far; min() is the k-th largest once full. */
class MinHeap {
  private readonly heap: Float64Array;
  private size = 0;
  constructor(private readonly capacity: number) {
    this.heap = new Float64Array(capacity);
  }
  full(): boolean {
    return this.size === this.capacity;
  }
  min(): number {
    return this.heap[0] as number;
  }
  offer(v: number): void {
    const h = this.heap;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((h[parent] as number) <= v) break;
        h[i] = h[parent] as number;
        i = parent;
      }
      h[i] = v;
      return;
    }
    if (v <= (h[0] as number)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (h[r] as number) < (h[l] as number) ? r : l;
      if ((h[c] as number) >= v) break;
      h[i] = h[c] as number;
      i = c;
    }
    h[i] = v;
  }
}
