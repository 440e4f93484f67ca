import { describe, expect, it } from 'vitest';
import { barProfileSvg, heatmapSvg, renderVegaLiteSvg, trainingCurveSvg } from '../src/report/index.js';

// vega's SVG renderer emits each rect item as `<path … aria-roledescription="rect mark">` (vega-lite bars say "bar").
const countRectMarks = (svg: string) => svg.match(/aria-roledescription="rect mark"/g)?.length ?? 0;
const countBars = (svg: string) => svg.match(/aria-roledescription="bar"/g)?.length ?? 0;

const history = [
  { epoch: 1, loss: 0.69, valLoss: 0.7, valNdcg: 0.31 },
  { epoch: 2, loss: 0.52, valLoss: 0.58, valNdcg: 0.36 },
  { epoch: 3, loss: 0.44, valLoss: 0.55, valNdcg: 0.39 },
  { epoch: 4, loss: 0.4, valLoss: 0.57, valNdcg: 0.37 },
];

describe('renderVegaLiteSvg', () => {
  it('renders an inline-data spec to SVG', async () => {
    const svg = await renderVegaLiteSvg({
      data: { values: [{ a: 'x', b: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal', title: 'category axis' }, y: { field: 'b', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('category axis');
  });

  it('refuses to fetch external data', async () => {
    await expect(
      renderVegaLiteSvg({
        data: { url: 'http://127.0.0.1:9/data.json' },
        mark: 'point',
        encoding: { x: { field: 'a', type: 'quantitative' } },
      }),
    ).rejects.toThrow(/not allowed/);
  });
});

describe('trainingCurveSvg', () => {
  it('draws loss, val loss and NDCG panels and marks the best epoch', async () => {
    const svg = await trainingCurveSvg(history, { title: 'NeuMF run' });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['NeuMF run', 'loss', 'val NDCG@10', 'epoch', 'train loss', 'val loss']) expect(svg).toContain(text);
    expect(svg).toContain('best val NDCG@10: 0.3900 at epoch 3');
    expect(svg).toContain('rule mark');
  });

  it('draws only the loss panel when there is no validation, with gaps allowed', async () => {
    const svg = await trainingCurveSvg([
      { epoch: 1, loss: 0.6 },
      { epoch: 2, loss: 0.5, valNdcg: null, valLoss: null },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('epoch');
    expect(svg).not.toContain('NDCG');
    expect(svg).not.toContain('val loss');
  });

  it('tolerates validation on only some epochs', async () => {
    const svg = await trainingCurveSvg([
      { epoch: 1, loss: 0.6, valNdcg: 0.2 },
      { epoch: 2, loss: 0.5 },
      { epoch: 3, loss: 0.45, valNdcg: 0.25 },
    ]);
    expect(svg).toContain('at epoch 3');
  });

  it('rejects bad input with RangeError', () => {
    expect(() => trainingCurveSvg([])).toThrow(RangeError);
    expect(() => trainingCurveSvg([{ epoch: 1, loss: Number.NaN }])).toThrow(/loss must be a finite number/);
    expect(() => trainingCurveSvg([{ epoch: 1, loss: 0.5, valNdcg: Number.NaN }])).toThrow(RangeError);
    expect(() => trainingCurveSvg([{ epoch: 1, loss: 0.5, valLoss: Number.POSITIVE_INFINITY }])).toThrow(RangeError);
    expect(() =>
      trainingCurveSvg([
        { epoch: 1, loss: 0.5 },
        { epoch: 1, loss: 0.4 },
      ]),
    ).toThrow(/appears twice/);
  });
});

describe('heatmapSvg', () => {
  const labels = ['Zeta', 'Alpha', 'Mid'];
  const matrix = [
    [1, -0.25, 0.5],
    [-0.25, 1, 0.75],
    [0.5, 0.75, 1],
  ];

  it('draws one rect per cell with labels in the given order and values as text', async () => {
    const svg = await heatmapSvg(labels, matrix, { title: 'Genre similarity', valueLabel: 'cosine' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(countRectMarks(svg)).toBe(9);
    // d3-format writes negatives with U+2212 MINUS SIGN.
    for (const text of ['Genre similarity', 'cosine', '\u22120.25', '0.75', '1.00']) expect(svg).toContain(text);
    // Given order, not alphabetical: "Zeta" must come before "Alpha" on both axes.
    const axisLabels = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)].map((m) =>
      [...m[0].matchAll(/>([A-Za-z]+)<\/text>/g)].map((t) => t[1]),
    );
    expect(axisLabels).toHaveLength(2);
    for (const order of axisLabels) expect(order).toEqual(labels);
  });

  it('omits cell text for large matrices', async () => {
    const big = Array.from({ length: 21 }, (_, i) => `g${i}`);
    const svg = await heatmapSvg(
      big,
      big.map((_, r) => big.map((_, c) => (r === c ? 1 : 0.1))),
    );
    expect(countRectMarks(svg)).toBe(21 * 21);
    expect(svg).not.toContain('0.10');
  });

  it('rejects bad input with RangeError', () => {
    expect(() => heatmapSvg([], [])).toThrow(RangeError);
    expect(() => heatmapSvg(['a', 'b'], [[1, 0]])).toThrow(/2 labels/);
    expect(() => heatmapSvg(['a', 'b'], [[1, 0], [0]])).toThrow(/not square/);
    expect(() =>
      heatmapSvg(
        ['a', 'b'],
        [
          [1, 0],
          [0, Number.NaN],
        ],
      ),
    ).toThrow(/finite/);
    expect(() =>
      heatmapSvg(
        ['a', 'a'],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toThrow(/unique/);
  });
});

describe('barProfileSvg', () => {
  const rows = [
    { label: 'Drama', value: 0.4, group: 'positive' },
    { label: 'Action', value: -0.3, group: 'negative' },
    { label: 'Comedy', value: 0.05, group: 'neutral' },
  ];

  it('draws one bar per row, a legend per group and the threshold rule', async () => {
    const svg = await barProfileSvg(rows, { title: 'User 7', threshold: 0.05, thresholdLabel: 'median', valueLabel: 'similarity' });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['User 7', 'Drama', 'Action', 'Comedy', 'positive', 'negative', 'neutral', 'similarity', 'median 0.050']) {
      expect(svg).toContain(text);
    }
    expect(countBars(svg)).toBe(3);
    expect(svg).toContain('rule mark');
  });

  it('works without a threshold and with arbitrary groups', async () => {
    const svg = await barProfileSvg([
      { label: 'a', value: 1, group: 'x' },
      { label: 'b', value: 2, group: 'y' },
    ]);
    expect(countBars(svg)).toBe(2);
    expect(svg).not.toContain('rule mark');
  });

  it('rejects bad input with RangeError', () => {
    expect(() => barProfileSvg([])).toThrow(RangeError);
    expect(() => barProfileSvg([{ label: 'a', value: Number.NaN, group: 'x' }])).toThrow(RangeError);
    expect(() => barProfileSvg(rows, { threshold: Number.NaN })).toThrow(RangeError);
    expect(() => barProfileSvg([rows[0], rows[0]].filter((r) => r !== undefined))).toThrow(/appears twice/);
  });
});
