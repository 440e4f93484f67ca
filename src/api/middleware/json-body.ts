import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Runs before the route's zod validator so a wrong content type (415) and a body that is not JSON
 * (400 `invalid_json`) get their own codes; the validator then reuses hono's cached parse.
 */
export const requireJsonBody = createMiddleware(async (c, next) => {
  const mediaType = c.req.header('content-type')?.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new ApiError('unsupported_media_type', 'the body must be JSON sent with Content-Type: application/json');
  }
  try {
    await c.req.json();
  } catch {
    throw new ApiError('invalid_json', 'the body is not valid JSON');
  }
  await next();
});
