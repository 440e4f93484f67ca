import { startServer, stopServer } from '../server-process.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';

export const STARTUP = { runs: 5, maxSeconds: 5 } as const;

/**
 * A second start: `reelrec start --no-build` on what `reelrec build` made, timed from spawning the
 * process to the first 200 from /readyz (Node start, module loading, artefacts, listening).
 */
export const startupBenchmark: Benchmark = {
  name: 'startup',
  description: `seconds from spawning \`reelrec start\` to a ready /readyz, ${STARTUP.runs} runs on built artefacts`,
  async run({ dataDir }) {
    const seconds: number[] = [];
    let info: Record<string, unknown> = {};
    for (let run = 0; run < STARTUP.runs; run++) {
      const started = performance.now();
      const { url, child } = await startServer(dataDir);
      try {
        const res = await fetch(`${url}/readyz`);
        info = (await res.json()) as Record<string, unknown>;
        if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
        seconds.push((performance.now() - started) / 1000);
      } finally {
        await stopServer(child);
      }
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    const rows: BenchRow[] = [
      {
        model: 'second start (load artefacts, serve)',
        runs: seconds.length,
        'median s': sorted[Math.floor(sorted.length / 2)] ?? null,
        'max s': sorted[sorted.length - 1] ?? null,
        'min s': sorted[0] ?? null,
      },
    ];
    const bars: BenchBar[] = [{ model: rows[0]?.model as string, metric: 'max s', max: STARTUP.maxSeconds, why: 'ready in under 5 s' }];
    return { dataset: `${String(info.dataset)} (${String(info.movies)} movies)`, rows, bars, details: { seconds, server: info } };
  },
};
