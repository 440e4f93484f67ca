export { DATASET_NAMES, type DatasetName, type DatasetSpec, DEFAULT_MOVIELENS_BASE_URL, datasetSpec, isDatasetName } from './datasets.js';
export { detectFormat } from './detect.js';
export { type DownloadOptions, type DownloadResult, downloadDataset } from './download.js';
export { loadMovieLens } from './load.js';
export { locateDataset } from './locate.js';
export { groupByUser, RatingsBuilder, selectRows, type UserGroups } from './ratings-table.js';
export { findTextFile } from './text-file.js';
export type { Catalogue, Movie, MovieLensDataset, MovieLensFormat, RatingsTable, TextJoinStats } from './types.js';
