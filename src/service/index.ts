/**
 * The one recommendation service both fronts call: types and errors of its contract, the service
 * itself, loading it from a build, and building its artefact.
 */

export {
  type BuildServiceInput,
  buildServiceArtifact,
  loadServiceArtifact,
  type ServiceArtifact,
  saveServiceArtifact,
} from './artifact.js';
export { type BlendWeights, weightsFor } from './blend-weights.js';
export { ServiceInputError, UnknownGenreError, UnknownMovieError, UnknownUserError, UnknownVisitorError } from './errors.js';
export { type HybridParts, SIGNALS, type SignalName, type SignalWeights } from './hybrid.js';
export { type LoadedService, loadService } from './load.js';
export { movieSummary } from './movie-summary.js';
export { describeNeighbours } from './neighbour-artifact.js';
export { type AnnNeighbours, annNeighbours, collaborativeVectors } from './neighbour-lists.js';
export { type BuiltPieces, serviceFromPieces } from './parts.js';
export { createRecommendationService, MAX_K, MAX_PAGE, type ServiceData } from './service.js';
export type * from './types.js';
export {
  createVisitorLikes,
  type NewVisitor,
  type VisitorId,
  type VisitorLike,
  type VisitorLikes,
  type VisitorLikesOptions,
} from './visitors.js';
