import { ReelrecError } from '../../errors.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';
import { KERNEL_CHUNK, SLOT_LAYOUT, slotOffset } from './memory.js';

interface KernelExports {
  dotRows(x: number, rows: number, stride: number, items: number, first: number, count: number, n: number, out: number): void;
  contentMoments(taste: number, mu: number, upper: number, dim: number, out: number): void;
  prescoreBase(
    popScale: number,
    gmfScale: number,
    popularity: number,
    setZ: number,
    setOf: number,
    mlpPrior: number,
    gmf: number,
    gmfItem: number,
    factors: number,
    items: number,
    first: number,
    count: number,
    out: number,
  ): void;
  foldInLogits(
    model: number,
    outBias: number,
    userTerm: number,
    gmf: number,
    items: number,
    first: number,
    count: number,
    out: number,
    ha: number,
    hb: number,
  ): void;
}

/** What the prescore's base reads besides the movies: the request's scales, genre-set scores and GMF vector. */
export interface PrescoreBaseInput {
  popScale: number;
  gmfScale: number;
  popularity: Float32Array;
  setZ: Float32Array;
  setOf: Uint32Array;
  mlpPrior: Float32Array;
  gmf: Float32Array | null;
  gmfItem: Float32Array;
  factors: number;
}

/** The frozen fold-in tower as `foldInLogits` reads it (the fields of FrozenFoldIn it needs). */
export interface FoldInTower {
  factors: number;
  width1: number;
  itemFirst: Float32Array;
  gmfItem: Float32Array;
  outMlp: Float32Array;
  outBias: number;
  dense: ReadonlyArray<{ kernel: Float32Array; bias: Float32Array; inputs: number; outputs: number }>;
}

type Numbers = { [index: number]: number };

let compiled: WebAssembly.Module | null = null;
const attached = new WeakMap<ArrayBufferLike, Kernels>();

/**
 * This thread's kernels over `memory` (made by placeInKernelMemory), using scratch slot `slot`:
 * afterwards `kernelsFor` finds them from any array placed in that memory. Fails loudly where
 * WebAssembly SIMD or shared memory is missing: the caller decides, nothing falls back silently.
 */
export function attachKernels(memory: WebAssembly.Memory, slot: number): Kernels {
  const kernels = new Kernels(memory, slot);
  attached.set(memory.buffer, kernels);
  return kernels;
}

/** The kernels this thread attached over the memory `array` lives in; null when none are. */
export function kernelsFor(array: ArrayBufferView): Kernels | null {
  return attached.get(array.buffer) ?? null;
}

/**
 * The ranker's hot loops (kernels.wat) for one thread. Model arrays must live in the kernel memory;
 * a request's own vectors and index lists are copied into the thread's slot, rows in chunks of
 * KERNEL_CHUNK. Each method gives the same bits as the TypeScript loop it stands in for.
 */
export class Kernels {
  private readonly exports: KernelExports;
  private readonly buffer: ArrayBufferLike;
  private readonly base: number;
  private readonly f32: Float32Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  /** The prescore input whose genre-set scores and GMF vector are in the slot now. */
  private prescoreInput: PrescoreBaseInput | null = null;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly slot: number,
  ) {
    this.base = slotOffset(memory, slot);
    try {
      compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
      this.exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as KernelExports;
    } catch (error) {
      throw new ReelrecError('kernel_start', `the WebAssembly SIMD kernels cannot start here: ${(error as Error).message}`);
    }
    this.buffer = memory.buffer;
    this.f32 = new Float32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
  }

  /** out[c] = Σ_d x[d]·rows[row·n + d] for c < count, row = items[c] (or first + c without items): dotFrom's sums. */
  dotRows(x: Float32Array, rows: Float32Array, n: number, items: Uint32Array | null, first: number, count: number, out: Numbers): void {
    const rowsAt = this.resident(rows, 'the rows');
    const [xAt] = this.operands([x]) as [number];
    const resultsAt = this.base + SLOT_LAYOUT.results;
    for (let from = 0; from < count; from += KERNEL_CHUNK) {
      const size = Math.min(KERNEL_CHUNK, count - from);
      const itemsAt = items ? this.itemsAt(items, from, size) : 0;
      this.exports.dotRows(xAt, rowsAt, n * 4, itemsAt, first + from, size, n, resultsAt);
      const r = resultsAt / 8;
      for (let c = 0; c < size; c++) out[from + c] = this.f64[r + c] as number;
    }
  }

  /** Whether every one of these arrays lives in this memory (so a kernel may read them in place). */
  holds(...arrays: ArrayBufferView[]): boolean {
    return arrays.every((array) => array.buffer === this.buffer);
  }

  /**
   * Prescorer.baseScores' values of the listed movies (or first … first + count − 1), rounded to
   * float32. A request calls this once per block with one input object: its genre-set scores and
   * GMF vector are copied into the slot on the first call and reused while the same object comes
   * back, so they must not change in between.
   */
  prescoreBase(input: PrescoreBaseInput, items: Uint32Array | null, first: number, count: number, out: Numbers): void {
    const popularityAt = this.resident(input.popularity, 'the popularity');
    const setOfAt = this.resident(input.setOf, 'the genre set of each movie');
    const priorAt = this.resident(input.mlpPrior, 'the MLP prior');
    const gmfItemAt = this.resident(input.gmfItem, 'the GMF item rows');
    const setZAt = this.base + SLOT_LAYOUT.prescore;
    const gmfAt = setZAt + Math.ceil(input.setZ.length / 4) * 16;
    if (this.prescoreInput !== input) {
      const bytes = gmfAt - setZAt + (input.gmf?.length ?? 0) * 4;
      if (bytes > SLOT_LAYOUT.prescoreBytes)
        throw new ReelrecError(
          'kernel_memory',
          `a prescore's inputs need ${bytes} bytes, more than the slot's ${SLOT_LAYOUT.prescoreBytes}`,
        );
      this.f32.set(input.setZ, setZAt / 4);
      if (input.gmf) this.f32.set(input.gmf, gmfAt / 4);
      this.prescoreInput = input;
    }
    const resultsAt = this.base + SLOT_LAYOUT.results;
    const gmfScale = input.gmf ? input.gmfScale : 0;
    for (let from = 0; from < count; from += KERNEL_CHUNK) {
      const size = Math.min(KERNEL_CHUNK, count - from);
      const itemsAt = items ? this.itemsAt(items, from, size) : 0;
      this.exports.prescoreBase(
        input.popScale,
        gmfScale,
        popularityAt,
        setZAt,
        setOfAt,
        priorAt,
        gmfAt,
        gmfItemAt,
        input.factors,
        itemsAt,
        first + from,
        size,
        resultsAt,
      );
      const r = resultsAt / 4;
      for (let c = 0; c < size; c++) out[from + c] = this.f32[r + c] as number;
    }
  }

  /** contentMoments' sums: Σ taste·mu, and tasteᵀΣtaste from the packed upper triangle. */
  contentMoments(taste: Float32Array, mu: Float64Array, upper: Float32Array, dim: number): { mean: number; variance: number } {
    const upperAt = this.resident(upper, 'the covariance');
    const muAt = this.resident(mu, 'the mean vector');
    const [tasteAt] = this.operands([taste]) as [number];
    const resultsAt = this.base + SLOT_LAYOUT.results;
    this.exports.contentMoments(tasteAt, muAt, upperAt, dim, resultsAt);
    return { mean: this.f64[resultsAt / 8] as number, variance: this.f64[resultsAt / 8 + 1] as number };
  }

  /** The fold-in logit (rounded to float32) of each listed movie, or of first … first + count − 1 without items. */
  foldInLogits(
    tower: FoldInTower,
    userTerm: Float32Array,
    gmf: Float32Array,
    items: Uint32Array | null,
    first: number,
    count: number,
    out: Numbers,
  ): void {
    const widest = Math.max(tower.width1, ...tower.dense.map((d) => d.outputs));
    if (widest * 4 > SLOT_LAYOUT.layerBytes)
      throw new ReelrecError('kernel_memory', `an MLP layer of ${widest} units is wider than the kernels' ${SLOT_LAYOUT.layerBytes / 4}`);
    const words = [
      tower.factors,
      tower.width1,
      this.resident(tower.itemFirst, 'the item half of the first layer'),
      this.resident(tower.gmfItem, 'the GMF item rows'),
      this.resident(tower.outMlp, 'the output layer'),
      tower.dense.length,
      ...tower.dense.flatMap((d) => [
        this.resident(d.kernel, 'a dense kernel'),
        this.resident(d.bias, 'a dense bias'),
        d.inputs,
        d.outputs,
      ]),
    ];
    const [modelAt, termAt, gmfAt] = this.operands([Uint32Array.from(words), userTerm, gmf]) as [number, number, number];
    const resultsAt = this.base + SLOT_LAYOUT.results;
    for (let from = 0; from < count; from += KERNEL_CHUNK) {
      const size = Math.min(KERNEL_CHUNK, count - from);
      const itemsAt = items ? this.itemsAt(items, from, size) : 0;
      this.exports.foldInLogits(
        modelAt,
        tower.outBias,
        termAt,
        gmfAt,
        itemsAt,
        first + from,
        size,
        resultsAt,
        this.base + SLOT_LAYOUT.layerA,
        this.base + SLOT_LAYOUT.layerB,
      );
      const r = resultsAt / 4;
      for (let c = 0; c < size; c++) out[from + c] = this.f32[r + c] as number;
    }
  }

  /** Byte offset of a model array, which must live in this memory. */
  private resident(array: ArrayBufferView, what: string): number {
    if (array.buffer !== this.buffer)
      throw new ReelrecError('kernel_memory', `${what} is not in the kernel memory (place the model with placeInKernelMemory)`);
    return array.byteOffset;
  }

  /** Copies a request's small arrays (4-byte elements) into the operands area, each 16-byte aligned; their byte offsets. */
  private operands(arrays: Array<Float32Array | Uint32Array>): number[] {
    let at = this.base + SLOT_LAYOUT.operands;
    const end = at + SLOT_LAYOUT.operandBytes;
    return arrays.map((array) => {
      const here = at;
      at += Math.ceil(array.length / 4) * 16;
      if (at > end) throw new ReelrecError('kernel_memory', `a kernel's operands need more than ${SLOT_LAYOUT.operandBytes} bytes`);
      if (array instanceof Float32Array) this.f32.set(array, here / 4);
      else this.u32.set(array, here / 4);
      return here;
    });
  }

  /** Byte offset of items[from, from + size): in place when the list is a model array, else copied into the slot. */
  private itemsAt(items: Uint32Array, from: number, size: number): number {
    if (items.buffer === this.buffer) return items.byteOffset + from * 4;
    const at = this.base + SLOT_LAYOUT.items;
    this.u32.set(items.subarray(from, from + size), at / 4);
    return at;
  }
}
