import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ReelrecError } from '../errors.js';
import { ServiceInputError, UnknownGenreError, UnknownMovieError, UnknownUserError } from '../service/index.js';

/** Every error code the API answers with, and its HTTP status. Clients branch on `code`, not on the message. */
export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_json: 400,
  unknown_genre: 400,
  invalid_api_key: 401,
  unknown_movie: 404,
  unknown_user: 404,
  unknown_visitor: 404,
  not_found: 404,
  too_many_likes: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  not_ready: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ApiErrorCode = keyof typeof ERROR_STATUS;
export type ErrorDetails = Record<string, unknown>;

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: ErrorDetails };
}

/** An HTTPException that knows its API code; the app's onError turns it into the JSON error body. */
export class ApiError extends HTTPException {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(ERROR_STATUS[code], { message });
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** The service's error codes: the only ReelrecErrors a client can cause. Any other code is a server fault. */
const SERVICE_CODES = new Set<string>([
  'unknown_movie',
  'unknown_user',
  'unknown_genre',
  'invalid_input',
  'unknown_visitor',
  'too_many_likes',
]);

function serviceDetails(err: ReelrecError): ErrorDetails | undefined {
  if (err instanceof UnknownMovieError) return { ids: err.ids };
  if (err instanceof UnknownUserError) return { ids: [err.userId] };
  if (err instanceof UnknownGenreError) return { genres: err.genres, known: err.known };
  if (err instanceof ServiceInputError) return { issues: [{ in: 'service', path: err.field, message: err.message }] };
  return undefined;
}

/** Hono's own HTTPExceptions (e.g. from its validators) carry only a status. */
const CODE_BY_STATUS: Partial<Record<number, ApiErrorCode>> = {
  400: 'invalid_input',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The ApiError a thrown value answers as, or null when it is a server fault (answered as a generic 500). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof ReelrecError && SERVICE_CODES.has(err.code)) {
    return new ApiError(err.code as ApiErrorCode, err.message, serviceDetails(err));
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = CODE_BY_STATUS[err.status] ?? 'invalid_input';
    return new ApiError(code, err.message || 'bad request');
  }
  return null;
}
