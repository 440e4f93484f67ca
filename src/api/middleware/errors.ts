import type { Hook } from '@hono/zod-openapi';
import type { Context, Env, ErrorHandler, NotFoundHandler } from 'hono';
import type { Logger } from 'pino';
import { ApiError, toApiError } from '../errors.js';
import { loggedPath } from './request-log.js';

const MAX_ISSUES = 20;
const WHERE: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header', cookie: 'cookie' };

/** zod validation failures become 400 `invalid_input` with each issue's location, field path and message. */
export const validationHook: Hook<unknown, Env, string, undefined> = (result) => {
  if (result.success) return;
  const all = result.error.issues;
  const issues = all.slice(0, MAX_ISSUES).map((issue) => ({
    in: WHERE[result.target] ?? result.target,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path || first.in}: ${first.message}` : 'invalid request';
  const more = all.length > 1 ? ` (and ${all.length - 1} more)` : '';
  throw new ApiError('invalid_input', `invalid input: ${summary}${more}`, {
    issues,
    ...(all.length > MAX_ISSUES ? { truncated: true } : {}),
  });
};

export function errorResponse(c: Context, err: ApiError): Response {
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
  return c.json(err.toBody(), err.status);
}

/** Client errors answer with their code; anything else is logged and answered with a generic 500, never a stack. */
export function onError(logger: Logger): ErrorHandler {
  return (err, c) => {
    const apiError = toApiError(err);
    if (apiError) return errorResponse(c, apiError);
    logger.error({ err, reqId: c.get('requestId'), method: c.req.method, path: loggedPath(c.req.path) }, 'unhandled error');
    return errorResponse(c, new ApiError('internal', 'internal server error'));
  };
}

export const notFound: NotFoundHandler = (c) =>
  errorResponse(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`));
