export type { BarProfileOptions, BarProfileRow, EpochRecord, HeatmapOptions } from './charts.js';
export { barProfileSvg, heatmapSvg, renderVegaLiteSvg, trainingCurveSvg } from './charts.js';
