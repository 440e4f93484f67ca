export { csvField, exportGenreDataset } from './export.js';
export { buildGenreDataset, type GenreDataset, type GenreDatasetOptions, type GenreDatasetSummary } from './genre-dataset.js';
export { type GenreProfile, type GenreProfiles, medianOf, splitUserGenres } from './genre-split.js';
export { buildGenreSpace, type GenreMembership, type GenreSpace, inGenre, MAX_MASK_GENRES, NO_GENRE_LABELS } from './genres.js';
export { buildGenreProfiles, GENRE_PROFILE_STAGES, type GenreProfileRun } from './pipeline.js';
export { cosineRows, genreGenreSimilarity, userGenreSimilarity } from './similarity.js';
export {
  computeGenreEmbeddings,
  computeUserEmbeddings,
  type MeanVectors,
  type MovieEmbeddings,
  presentRows,
  type UserEmbeddings,
  userVector,
} from './vectors.js';
