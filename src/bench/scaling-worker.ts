/**
 * Child process of `reelrec bench scaling`: measures one size and writes its result as JSON.
 * `process.resourceUsage().maxRSS` only ever grows, so each size gets a fresh process and the
 * peak RSS it reports is that size's own.
 *
 *   node dist/bench/scaling-worker.js --dir DIR --seed N --json FILE
 */
import { parseArgs } from 'node:util';
import { stopAllProgress } from '../progress.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { measureScalingSize, SCALING_SIZE_DEFAULTS } from './scaling-size.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    seed: { type: 'string', default: '42' },
    json: { type: 'string' },
    'neumf-budget': { type: 'string' },
    'sampled-batches': { type: 'string' },
    requests: { type: 'string' },
  },
});

function count(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

try {
  if (!values.dir || !values.json) throw new Error('usage: scaling-worker --dir DIR --json FILE [--seed N]');
  const result = await measureScalingSize({
    ...SCALING_SIZE_DEFAULTS,
    dir: values.dir,
    seed: count('seed', values.seed, 42),
    neumfBudgetSeconds: count('neumf-budget', values['neumf-budget'], SCALING_SIZE_DEFAULTS.neumfBudgetSeconds),
    sampledBatches: count('sampled-batches', values['sampled-batches'], SCALING_SIZE_DEFAULTS.sampledBatches),
    requests: count('requests', values.requests, SCALING_SIZE_DEFAULTS.requests),
    progress: process.env.REELREC_PROGRESS !== 'off',
  });
  await writeFileAtomic(values.json, [`${JSON.stringify(result, null, 2)}\n`]);
} catch (error) {
  process.stderr.write(`scaling-worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  stopAllProgress();
}
