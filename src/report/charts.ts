import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One training epoch as logged by the trainer; validation fields are absent on epochs without validation. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  valNdcg?: number | null;
  valLoss?: number | null;
}

export interface HeatmapOptions {
  title?: string;
  /** Legend title for the colour scale, e.g. "cosine similarity". */
  valueLabel?: string;
}

export interface BarProfileRow {
  label: string;
  value: number;
  group: string;
}

export interface BarProfileOptions {
  title?: string;
  /** Draws a dashed reference rule at this x value (e.g. the median). */
  threshold?: number;
  /** Text next to the threshold rule; defaults to "threshold". */
  thresholdLabel?: string;
  /** X-axis title; defaults to "value". */
  valueLabel?: string;
}

/** Cell values are printed only up to this size: beyond it the text is unreadable and bloats the SVG. */
const HEATMAP_MAX_TEXT = 20;

// Fixed colours for the usual polarity groups so that "negative" is red in every chart, whatever the group order.
const GROUP_COLOURS: Record<string, string> = { positive: '#2e7d32', neutral: '#9e9e9e', negative: '#c62828' };

/**
 * A loader that refuses everything: charts must be self-contained (inline data), and a silent network or
 * filesystem fetch from a report generator would be both a security hole and a source of flaky output.
 * vega only logs a failed load as a warning and renders an empty chart, so attempts are recorded for the caller.
 */
function offlineLoader(attempts: string[]): vega.Loader {
  const refuse = (uri: string) => {
    attempts.push(uri);
    return Promise.reject(new Error(`charts: external data is not allowed (${uri})`));
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Compiles a vega-lite spec and renders it headlessly to an SVG string (no DOM, canvas or fonts needed). */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const errors: string[] = [];
  // vega logs dataflow failures instead of throwing, so collect them and fail loudly rather than return a blank chart.
  const logger = vega.logger(vega.Warn, undefined, (method, _level, args) => {
    if (method === 'error') errors.push(args.map(String).join(' '));
  });
  const attempts: string[] = [];
  const { spec: vgSpec } = compile(spec, { logger });
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader: offlineLoader(attempts), logger });
  try {
    const svg = await view.toSVG();
    if (attempts.length > 0) throw new Error(`charts: external data is not allowed (${attempts.join(', ')}); pass data inline`);
    if (errors.length > 0) throw new Error(`charts: vega reported errors: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

function assertFinite(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
}

/** Optional metrics: null/undefined mean "not measured this epoch", but NaN means a broken run and is rejected. */
function optionalMetric(value: number | null | undefined, what: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  assertFinite(value, what);
  return value;
}

/** Loss (and validation loss) on top, validation NDCG@10 below, sharing the epoch axis; the best-NDCG epoch is marked. */
export function trainingCurveSvg(history: EpochRecord[], options: { title?: string } = {}): Promise<string> {
  if (history.length === 0) throw new RangeError('trainingCurveSvg: history is empty');
  const lossRows: Array<{ epoch: number; series: string; value: number }> = [];
  const ndcgRows: Array<{ epoch: number; ndcg: number }> = [];
  const seen = new Set<number>();
  for (const [i, h] of history.entries()) {
    assertFinite(h.epoch, `trainingCurveSvg: history[${i}].epoch`);
    assertFinite(h.loss, `trainingCurveSvg: history[${i}].loss`);
    if (seen.has(h.epoch)) throw new RangeError(`trainingCurveSvg: epoch ${h.epoch} appears twice`);
    seen.add(h.epoch);
    lossRows.push({ epoch: h.epoch, series: 'train loss', value: h.loss });
    const valLoss = optionalMetric(h.valLoss, `trainingCurveSvg: history[${i}].valLoss`);
    if (valLoss !== undefined) lossRows.push({ epoch: h.epoch, series: 'val loss', value: valLoss });
    const ndcg = optionalMetric(h.valNdcg, `trainingCurveSvg: history[${i}].valNdcg`);
    if (ndcg !== undefined) ndcgRows.push({ epoch: h.epoch, ndcg });
  }
  const epochs = [...seen];
  const minEpoch = Math.min(...epochs);
  const maxEpoch = Math.max(...epochs);
  // An explicit domain keeps both panels aligned even when validation ran on fewer epochs than training.
  const x = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'epoch',
    scale: { domain: [minEpoch, maxEpoch === minEpoch ? minEpoch + 1 : maxEpoch], nice: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
  const width = 520;
  const series = [...new Set(lossRows.map((r) => r.series))];
  const alone = ndcgRows.length === 0;
  const lossPanel = {
    width,
    height: 180,
    data: { values: lossRows },
    mark: { type: 'line' as const, point: true },
    encoding: {
      // Without an NDCG panel below, this panel owns the epoch axis title.
      x: alone ? x : { ...x, title: null },
      y: { field: 'value', type: 'quantitative' as const, title: 'loss', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal' as const,
        title: null,
        scale: { domain: series, range: ['#1f77b4', '#ff7f0e'] },
        // Above the plot rather than inside it: a rising val loss (overfitting) would run under an in-plot legend.
        legend: series.length > 1 ? { orient: 'top' as const, direction: 'horizontal' as const } : null,
      },
    },
  };
  if (alone) {
    return renderVegaLiteSvg({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: options.title, ...lossPanel });
  }
  const best = ndcgRows.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const ndcgPanel = {
    width,
    height: 180,
    // The best epoch sits at the top of the curve, so an in-plot label would collide with it; a panel title cannot.
    title: {
      text: `best val NDCG@10: ${best.ndcg.toFixed(4)} at epoch ${best.epoch}`,
      anchor: 'end' as const,
      fontSize: 11,
      fontWeight: 'normal' as const,
    },
    layer: [
      {
        data: { values: [best] },
        mark: { type: 'rule' as const, color: '#888', strokeDash: [4, 3] },
        encoding: { x },
      },
      {
        data: { values: ndcgRows },
        mark: { type: 'line' as const, color: '#2ca02c', point: { color: '#2ca02c' } },
        encoding: {
          x,
          y: { field: 'ndcg', type: 'quantitative' as const, title: 'val NDCG@10', scale: { zero: false } },
        },
      },
      {
        data: { values: [best] },
        mark: { type: 'point' as const, filled: true, size: 90, color: '#d62728' },
        encoding: { x, y: { field: 'ndcg', type: 'quantitative' as const } },
      },
    ],
  };
  return renderVegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    vconcat: [lossPanel, ndcgPanel],
    spacing: 16,
    resolve: { scale: { x: 'shared' } },
  });
}

/** A G×G matrix drawn in the given label order (rows top to bottom, columns left to right). */
export function heatmapSvg(labels: string[], matrix: number[][], options: HeatmapOptions = {}): Promise<string> {
  const g = labels.length;
  if (g === 0) throw new RangeError('heatmapSvg: labels are empty');
  if (new Set(labels).size !== g) throw new RangeError('heatmapSvg: labels must be unique');
  if (matrix.length !== g) throw new RangeError(`heatmapSvg: matrix has ${matrix.length} rows but there are ${g} labels`);
  const cells: Array<{ row: string; col: string; value: number; ink: string }> = [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const [r, row] of matrix.entries()) {
    if (row.length !== g) throw new RangeError(`heatmapSvg: matrix is not square (row ${r} has ${row.length} values, expected ${g})`);
    for (const [c, v] of row.entries()) {
      assertFinite(v, `heatmapSvg: matrix[${r}][${c}]`);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  // Signed data (e.g. cosine similarity) gets a diverging scale centred on 0 so sign is readable at a glance.
  const diverging = min < 0 && max > 0;
  const maxAbs = Math.max(Math.abs(min), Math.abs(max));
  // Dark cells need white text; deciding here keeps the text off the layer's shared colour scale.
  const isDark = (v: number) => (diverging ? Math.abs(v) >= 0.55 * maxAbs : max > min && v - min >= 0.6 * (max - min));
  for (const [r, row] of matrix.entries()) {
    for (const [c, v] of row.entries())
      cells.push({ row: labels[r] as string, col: labels[c] as string, value: v, ink: isDark(v) ? 'white' : 'black' });
  }
  const step = Math.max(14, Math.min(40, Math.floor(600 / g)));
  const colour = diverging
    ? { scheme: 'redblue' as const, reverse: true, domainMid: 0, domain: [-maxAbs, maxAbs] }
    : { scheme: 'blues' as const, ...(min === max ? { domain: [min - 1, max + 1] } : {}) };
  return renderVegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: { field: 'col', type: 'nominal', sort: null, scale: { domain: labels }, axis: { title: null, labelAngle: -45, orient: 'top' } },
      y: { field: 'row', type: 'nominal', sort: null, scale: { domain: labels }, axis: { title: null } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: { color: { field: 'value', type: 'quantitative', title: options.valueLabel ?? 'value', scale: colour } },
      },
      ...(g <= HEATMAP_MAX_TEXT
        ? [
            {
              mark: { type: 'text' as const, fontSize: step >= 30 ? 10 : 8 },
              encoding: {
                text: { field: 'value', type: 'quantitative' as const, format: '.2f' },
                color: { condition: { test: "datum.ink === 'white'", value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  });
}

/** Horizontal bars in the given row order, coloured by group, with an optional dashed reference rule. */
export function barProfileSvg(rows: BarProfileRow[], options: BarProfileOptions = {}): Promise<string> {
  if (rows.length === 0) throw new RangeError('barProfileSvg: rows are empty');
  const seen = new Set<string>();
  for (const [i, r] of rows.entries()) {
    assertFinite(r.value, `barProfileSvg: rows[${i}].value (${r.label})`);
    // Duplicate labels would silently stack into one bar on a nominal axis.
    if (seen.has(r.label)) throw new RangeError(`barProfileSvg: label "${r.label}" appears twice`);
    seen.add(r.label);
  }
  if (options.threshold !== undefined) assertFinite(options.threshold, 'barProfileSvg: threshold');
  const present = [...new Set(rows.map((r) => r.group))];
  const known = present.every((gr) => gr in GROUP_COLOURS);
  // Known polarity groups get a stable legend order; unknown groups keep their first-seen order.
  const groups = known ? Object.keys(GROUP_COLOURS).filter((gr) => present.includes(gr)) : present;
  const x = { field: 'value', type: 'quantitative' as const, title: options.valueLabel ?? 'value' };
  const bars = {
    data: { values: rows },
    mark: { type: 'bar' as const },
    encoding: {
      x,
      y: { field: 'label', type: 'nominal' as const, sort: null, title: null },
      color: {
        field: 'group',
        type: 'nominal' as const,
        title: null,
        scale: known ? { domain: groups, range: groups.map((gr) => GROUP_COLOURS[gr] as string) } : { domain: groups },
      },
    },
  };
  const threshold = options.threshold;
  const ruleLayers =
    threshold === undefined
      ? []
      : [
          {
            data: { values: [{ value: threshold }] },
            mark: { type: 'rule' as const, color: '#333', strokeDash: [4, 3] },
            encoding: { x },
          },
          {
            data: { values: [{ value: threshold, text: `${options.thresholdLabel ?? 'threshold'} ${threshold.toFixed(3)}` }] },
            mark: { type: 'text' as const, align: 'left' as const, dx: 4, y: -6, fontSize: 10, color: '#333' },
            encoding: { x, text: { field: 'text', type: 'nominal' as const } },
          },
        ];
  return renderVegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: 420,
    height: { step: 18 },
    layer: [bars, ...ruleLayers],
  });
}
