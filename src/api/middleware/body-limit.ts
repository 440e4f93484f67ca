import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.js';

/**
 * Refuses a body over `maxBytes` with 413 `payload_too_large`. A request that declares its length
 * (Content-Length, no Transfer-Encoding: what HTTP/1.1 clients send for a JSON body) is judged by
 * that header alone — Node's parser never reads past it — and GET/HEAD carry no body; only a
 * chunked body is counted as it streams, by hono's bodyLimit. Hono's middleware on every request
 * asked for the web `Request` body, which made the Node adapter build a ReadableStream, an
 * AbortSignal and a full Request per call (README "HTTP": bare /healthz and repeated picks nearly
 * doubled their rate without it).
 */
export function limitBody(maxBytes: number) {
  const tooLarge = (): never => {
    throw new ApiError('payload_too_large', `the body is larger than ${maxBytes} bytes`, { limitBytes: maxBytes });
  };
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return createMiddleware(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      const bytes = Number(length);
      if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > maxBytes) tooLarge();
      return next();
    }
    return streamed(c, next);
  });
}
