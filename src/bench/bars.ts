import type { BarCheck, BenchBar, BenchRow } from './types.js';

export function checkBars(rows: BenchRow[], bars: BenchBar[] = []): BarCheck[] {
  return bars.map((bar) => {
    const row = rows.find((r) => r.model === bar.model);
    const raw = row?.[bar.metric];
    const value = typeof raw === 'number' ? raw : null;
    if ('expected' in bar) {
      return {
        model: bar.model,
        metric: bar.metric,
        value,
        bar: `${bar.expected} ± ${bar.tolerance}`,
        ok: value !== null && Math.abs(value - bar.expected) <= bar.tolerance,
        why: bar.why,
      };
    }
    if ('min' in bar)
      return { model: bar.model, metric: bar.metric, value, bar: `≥ ${bar.min}`, ok: value !== null && value >= bar.min, why: bar.why };
    return { model: bar.model, metric: bar.metric, value, bar: `≤ ${bar.max}`, ok: value !== null && value <= bar.max, why: bar.why };
  });
}
