import { resolve } from 'node:path';
import type { DatasetName } from '../recsys/data/datasets.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { checkBars } from './bars.js';
import { currentCommit, machineInfo, peakRssMB } from './machine.js';
import { checksTable, markdownTable } from './markdown.js';
import type { BenchContext, Benchmark, BenchReport } from './types.js';

export const DEFAULT_RESULTS_DIR = 'bench/results';

/** `bench/results/<name>.json`; `<name>-<dataset>.json` for a dataset benchmark off ml-100k, so no run overwrites another dataset's. */
export function defaultJsonFile(bench: Benchmark, dataset: DatasetName): string {
  return `${DEFAULT_RESULTS_DIR}/${bench.onDataset && dataset !== 'ml-100k' ? `${bench.name}-${dataset}` : bench.name}.json`;
}

/**
 * Runs one benchmark, prints its markdown table (ours, then published references, then bars) to
 * stdout and writes the JSON report. Returns the report; the caller decides the exit code.
 */
export async function runBenchmark(
  bench: Benchmark,
  context: BenchContext,
  options: { jsonFile?: string; print?: (text: string) => void } = {},
): Promise<BenchReport> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const started = performance.now();
  const outcome = await bench.run(context);
  const report: BenchReport = {
    benchmark: bench.name,
    commit: currentCommit(),
    date: new Date().toISOString(),
    machine: machineInfo(),
    seconds: (performance.now() - started) / 1000,
    peakRssMB: peakRssMB(),
    ...outcome,
    checks: checkBars(outcome.rows, outcome.bars),
    targetChecks: checkBars(outcome.rows, outcome.targets),
  };
  print(
    `\n## ${bench.name} — ${bench.description}\n\ndataset: ${report.dataset} · commit ${report.commit} · ${report.seconds.toFixed(1)} s · peak RSS ${report.peakRssMB} MB\n`,
  );
  print(markdownTable(report.rows));
  if (report.reference?.length) print(`\nPublished, for reference:\n\n${markdownTable(report.reference)}`);
  for (const table of report.tables ?? []) print(`\n${table.title}:\n\n${markdownTable(table.rows)}`);
  if (report.checks.length) print(`\nBars:\n\n${checksTable(report.checks)}`);
  if (report.targetChecks.length) print(`\nOpen targets (reported, not yet bars):\n\n${checksTable(report.targetChecks, 'NOT MET')}`);
  const file = resolve(options.jsonFile ?? defaultJsonFile(bench, context.dataset));
  await writeFileAtomic(file, [`${JSON.stringify(report, null, 2)}\n`]);
  print(`\nwrote ${file}`);
  return report;
}
