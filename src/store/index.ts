/**
 * The LanceDB vector store: movies, genres, users and likes, all embedded by one embedder recorded in
 * the `meta` table. Functions take the Store returned by openStore; only ReelrecErrors escape.
 */

export { loadCatalogueVectors, saveCatalogue } from './catalogue.js';
export { type OpenStoreOptions, openBuiltStore, openStore, STORE_CACHE_BYTES, type Store } from './connect.js';
export {
  type EmbedderInfo,
  LikeLimitError,
  LikeNotSavedError,
  StoreEmbedderMismatchError,
  StoreInputError,
  StoreIoError,
  StoreNotBuiltError,
  StoreSchemaError,
  StoreVectorError,
} from './errors.js';
export { type GenreInput, type GenreRecord, listGenres, upsertGenres } from './genres.js';
export { type IndexRecallOptions, type IndexRecallResult, MIN_INDEX_ROWS, measureIndexRecall } from './index-recall.js';
export {
  ITEM_NEIGHBOUR_DEFAULTS,
  type ItemNeighbourLists,
  type ItemNeighbourOptions,
  interleaveNeighbours,
  itemNeighbours,
} from './item-neighbours.js';
export { LikeBook, type LikeBookCloseReport, type LikeBookOptions } from './like-book.js';
export { createLikeGroupCommit, type LikeGroupCommit, type LikeGroupCommitOptions } from './like-group-commit.js';
export { type JournalRecord, LikeJournal, type LikeJournalOptions } from './like-journal.js';
export { allLikeRows } from './like-rows.js';
export {
  applyLikeChanges,
  applyLikeChangesEach,
  forgetUser,
  type LikeChange,
  type LikeRecord,
  type LikeValue,
  like,
  likesOf,
  MAX_LIKES_PER_PERSON,
  unlike,
} from './likes.js';
export { ensureLookupIndices, LOOKUP_INDICES } from './lookup-indices.js';
export {
  cleanupCutoff,
  type OptimizeStoreOptions,
  optimizeStore,
  type TableUpkeep,
  type UpkeepStats,
} from './maintenance.js';
export {
  isObjectStoreUri,
  type LockHolder,
  MaintenanceLock,
  MaintenanceLockedError,
  type MaintenanceLockOptions,
  maintenanceLockFile,
} from './maintenance-lock.js';
export { type Maintenance, type MaintenanceLog, type MaintenanceOptions, startMaintenance } from './maintenance-scheduler.js';
export { allMessages, movieOfMessage, type PostedMessage, rememberMessages } from './messages.js';
export { META_KEYS, type StoreMeta } from './meta.js';
export {
  countMovies,
  deleteMovies,
  getMovie,
  getMovies,
  type MovieHit,
  type MovieInput,
  type MovieRecord,
  type SearchMoviesOptions,
  searchMovies,
  upsertMovies,
} from './movies.js';
export { repairDuplicateLikes } from './repair-likes.js';
export { SCHEMA_VERSION, SOURCES, type Source, TABLES, type TableName } from './schema.js';
export { getUser, type UserInput, type UserRecord, upsertUser, upsertUsers } from './users.js';
export type { VectorInput } from './vector.js';
export {
  createVisitor,
  deleteVisitor,
  findVisitor,
  hashVisitorSecret,
  secretMatches,
  VISITOR_ID_PATTERN,
  VISITOR_SECRET_PATTERN,
  type VisitorCredential,
  type VisitorRecord,
  verifyVisitor,
  visitorsVersion,
  visitorUserId,
} from './visitors.js';
