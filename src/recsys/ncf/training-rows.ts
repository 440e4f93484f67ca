import type { SampledDataset } from '../sampling/hard-sampling.js';

/** Rows a training epoch reads: (user, item, 0/1) with the label kind that picks each row's loss weight. */
export type TrainingRows = Pick<SampledDataset, 'length' | 'user' | 'item' | 'interaction' | 'kind'>;
