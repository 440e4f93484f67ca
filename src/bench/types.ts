import type { DatasetName } from '../recsys/data/datasets.js';

/** One row of a benchmark table: a model (or step) and its figures. */
export interface BenchRow {
  model: string;
  [field: string]: string | number | boolean | null | Record<string, number> | undefined;
}

/**
 * A quality bar on the first row of `model` (its primary variant): `metric` must be within
 * `tolerance` of `expected`, or at least `min`.
 */
export type BenchBar =
  | { model: string; metric: string; expected: number; tolerance: number; why: string }
  | { model: string; metric: string; min: number; why: string }
  | { model: string; metric: string; max: number; why: string };

export interface BarCheck {
  model: string;
  metric: string;
  value: number | null;
  bar: string;
  ok: boolean;
  why: string;
}

export interface BenchOutcome {
  dataset: string;
  rows: BenchRow[];
  /** Published figures shown beside ours for comparison; never checked against bars. */
  reference?: BenchRow[];
  bars?: BenchBar[];
  /**
   * An open issue's targets not yet reached: checked and printed like bars, kept in the JSON as
   * `targetChecks`, but not failing the run. They stay visible until met, then become bars.
   */
  targets?: BenchBar[];
  /** Further tables (ablations, spreads) printed after the main one and kept in the JSON. */
  tables?: Array<{ title: string; rows: BenchRow[] }>;
  /** Free-form extras recorded in the JSON (protocol, timings not tied to a row). */
  details?: Record<string, unknown>;
}

export interface BenchContext {
  /** A MovieLens folder, or a folder holding several (`<dir>/ml-100k`, `<dir>/ml-latest-small`). */
  dataDir: string;
  /** Which MovieLens release the quality benchmarks (ml100k, cold-start) run on; ml-100k by default. */
  dataset: DatasetName;
  seed: number;
}

export interface Benchmark {
  name: string;
  description: string;
  /** Runs on `context.dataset` (not always ml-100k), so its default JSON file names the dataset. */
  onDataset?: boolean;
  /** Left out of `bench all`: it runs for an hour or more, once per release, by name. */
  once?: boolean;
  run(context: BenchContext): Promise<BenchOutcome>;
}

export interface BenchReport extends BenchOutcome {
  benchmark: string;
  commit: string;
  date: string;
  machine: Record<string, string | number>;
  seconds: number;
  peakRssMB: number;
  checks: BarCheck[];
  targetChecks: BarCheck[];
}
