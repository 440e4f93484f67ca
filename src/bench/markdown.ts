import type { BarCheck, BenchRow } from './types.js';

function cell(value: BenchRow[string]): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(4);
  }
  if (typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} ${cell(v)}`)
      .join(', ');
  return String(value);
}

/** A markdown table over the union of the rows' fields, in order of first appearance. */
export function markdownTable(rows: BenchRow[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${columns.map((c) => cell(row[c])).join(' | ')} |`);
  return lines.join('\n');
}

export function checksTable(checks: BarCheck[], missed = 'FAIL'): string {
  return markdownTable(
    checks.map((c) => ({ model: c.model, metric: c.metric, value: c.value, bar: c.bar, result: c.ok ? 'ok' : missed, why: c.why })),
  );
}
