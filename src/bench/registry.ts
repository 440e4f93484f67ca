import { botSoakBenchmark } from './benchmarks/bot-soak.js';
import { coldStartBenchmark } from './benchmarks/cold-start.js';
import { dataBenchmark } from './benchmarks/data.js';
import { fullBuildBenchmark } from './benchmarks/full-build.js';
import { httpBenchmark } from './benchmarks/http.js';
import { ml100kBenchmark } from './benchmarks/ml100k.js';
import { neumfAblationBenchmark } from './benchmarks/neumf-ablation.js';
import { scaleBenchmark } from './benchmarks/scale.js';
import { scalingBenchmark } from './benchmarks/scaling.js';
import { startupBenchmark } from './benchmarks/startup.js';
import { storeBenchmark } from './benchmarks/store.js';
import type { Benchmark } from './types.js';

/** Every named benchmark, in the order `reelrec bench all` runs them (except those marked `once`). */
export const BENCHMARKS: readonly Benchmark[] = [
  ml100kBenchmark,
  neumfAblationBenchmark,
  dataBenchmark,
  scaleBenchmark,
  scalingBenchmark,
  storeBenchmark,
  coldStartBenchmark,
  httpBenchmark,
  botSoakBenchmark,
  startupBenchmark,
  fullBuildBenchmark,
];

/** What `reelrec bench NAME` runs: that benchmark, or for "all" every one not marked `once`. */
export function selectBenchmarks(name: string): Benchmark[] {
  return name === 'all' ? BENCHMARKS.filter((b) => !b.once) : BENCHMARKS.filter((b) => b.name === name);
}
