/** The REST API's public surface: build the app, serve it on Node, and the shapes clients (the bot) reuse. */

export { FixedWindowLimiter, type RateLimitOptions, type RateLimitVerdict } from '../util/rate-limiter.js';
export { type RunningServer, type ServeOptions, serveApp } from './adapters/node.js';
export { type AppOptions, createApp, DEFAULT_BODY_LIMIT_BYTES } from './app.js';
export { ApiError, type ApiErrorCode, ERROR_STATUS, type ErrorBody, type ErrorDetails, toApiError } from './errors.js';
export {
  type MovieJson,
  type MovieJsonOptions,
  posterSvgPath,
  remotePosterUrl,
  TMDB_IMAGE_BASE,
  toAnswerJson,
  toMovieJson,
} from './movie-json.js';
