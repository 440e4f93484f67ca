export { type CreateEmbedderOptions, createEmbedder, type EmbedderKind } from './create.js';
export { type CatalogueEmbeddings, embedCatalogue } from './embed-catalogue.js';
export {
  assertSameEmbedder,
  assertTexts,
  cosine,
  describeEmbedder,
  type Embedder,
  type EmbedderInfo,
  EmbedderMismatchError,
  l2Normalise,
  sameEmbedder,
} from './embedder.js';
export { DEFAULT_HASHING_DIMENSION, HashingEmbedder, type HashingEmbedderOptions } from './hashing.js';
export { DEFAULT_LAMINI_MODEL, DEFAULT_MODEL_CACHE_DIR, LaMiniEmbedder, type LaMiniEmbedderOptions } from './lamini.js';
export { movieText } from './movie-text.js';
