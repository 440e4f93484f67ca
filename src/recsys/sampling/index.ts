export { buildHardSampledDataset, HardSampler, type SampledDataset, type SamplingOptions, type SamplingSummary } from './hard-sampling.js';
export { interactionOf, isPositive, LABEL_NAMES, LabelKind, labelRating } from './labels.js';
export { writeSampledCsv } from './write-csv.js';
