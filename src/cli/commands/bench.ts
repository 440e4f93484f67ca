import { Command } from 'commander';
import { BENCHMARKS, selectBenchmarks } from '../../bench/registry.js';
import { runBenchmark } from '../../bench/run.js';
import { ConfigError } from '../../errors.js';
import { configFromFlags, movielensBase } from '../options.js';

export const benchCommand = new Command('bench')
  .description(
    `run a benchmark (${BENCHMARKS.map((b) => b.name).join(', ')}, or all): prints a table, writes JSON, fails when a bar is missed`,
  )
  .argument('<name>', 'benchmark name, or "all" (every one but full-build, which runs for an hour or more)')
  .option('--data <dir>', 'MovieLens folder, or a folder holding several (default: MOVIELENS_DIR)')
  .option('--dataset <name>', 'MovieLens release for ml100k and cold-start (default: REELREC_DATASET, else ml-100k)')
  .option('--json <file>', 'where to write the JSON report (default: bench/results/<name>.json; only with one benchmark)')
  .option('--seed <n>', 'random seed (default: REELREC_SEED, else 42)')
  .action(async (name: string, flags: { data?: string; dataset?: string; json?: string; seed?: string }) => {
    const selected = selectBenchmarks(name);
    if (selected.length === 0) {
      throw new ConfigError(
        'bench',
        `unknown benchmark ${JSON.stringify(name)}; choose one of ${BENCHMARKS.map((b) => b.name).join(', ')}, all`,
      );
    }
    if (flags.json && selected.length > 1) throw new ConfigError('--json', 'takes one benchmark, not "all"');
    const config = configFromFlags(flags);
    let failedBars = 0;
    for (const bench of selected) {
      const report = await runBenchmark(
        bench,
        { dataDir: movielensBase(config), dataset: config.dataset, seed: config.seed },
        flags.json ? { jsonFile: flags.json } : {},
      );
      failedBars += report.checks.filter((c) => !c.ok).length;
    }
    if (failedBars > 0) {
      process.stderr.write(`reelrec: ${failedBars} benchmark bar(s) missed (see the Bars table above)\n`);
      process.exitCode = 1;
    }
  });
