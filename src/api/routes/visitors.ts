import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { VisitorLikes } from '../../service/index.js';
import { requireJsonBody } from '../middleware/json-body.js';
import { toAnswerJson, toMovieJson } from '../movie-json.js';
import {
  AnswerSchema,
  errorResponses,
  json,
  KQuery,
  LikeBodySchema,
  LikesQuery,
  NewVisitorSchema,
  VisitorLikeResultSchema,
  VisitorLikesSchema,
  VisitorMovieParams,
  VisitorParams,
  VisitorSchema,
} from '../schemas.js';
import type { RouteDeps } from './deps.js';

export const VISITOR_COOKIE = 'reelrec_visitor';
const COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
const COOKIE_PATH = '/api';

/** Either credential proves a visitor: the page's cookie, or an API client's bearer token. */
const security: Array<Record<string, string[]>> = [{ visitorToken: [] }, { visitorCookie: [] }];

const create = createRoute({
  method: 'post',
  path: '/api/visitors',
  tags: ['visitors'],
  summary: 'Become a visitor: an unguessable id and a secret token (also set as an HttpOnly cookie)',
  responses: {
    201: {
      ...json(NewVisitorSchema, 'Created; the token is shown only this once'),
      headers: {
        'Set-Cookie': { description: `${VISITOR_COOKIE}=<token>; HttpOnly; SameSite=Strict; Path=/api`, schema: { type: 'string' } },
      },
    },
    ...errorResponses(),
  },
});

const me = createRoute({
  method: 'get',
  path: '/api/visitors/me',
  tags: ['visitors'],
  summary: 'The visitor the cookie or bearer token proves',
  security,
  responses: { 200: json(VisitorSchema, 'The visitor'), ...errorResponses(404) },
});

const erase = createRoute({
  method: 'delete',
  path: '/api/visitors/{visitorId}',
  tags: ['visitors'],
  summary: 'Erase the visitor and every like of theirs (and clear the cookie)',
  security,
  request: { params: VisitorParams },
  responses: { 204: { description: 'Erased' }, ...errorResponses(400, 404) },
});

const put = createRoute({
  method: 'put',
  path: '/api/visitors/{visitorId}/likes/{movieId}',
  tags: ['visitors'],
  summary: 'Like (1) or dislike (-1) a movie; answered once the shared store has it',
  security,
  middleware: requireJsonBody,
  request: { params: VisitorMovieParams, body: { required: true, content: { 'application/json': { schema: LikeBodySchema } } } },
  responses: { 200: json(VisitorLikeResultSchema, 'Stored'), ...errorResponses(400, 404, 409, 413, 415) },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/visitors/{visitorId}/likes/{movieId}',
  tags: ['visitors'],
  summary: 'Take back a like or dislike (also of a movie the catalogue no longer has)',
  security,
  request: { params: VisitorMovieParams },
  responses: { 204: { description: 'Removed (or there was none)' }, ...errorResponses(400, 404) },
});

const list = createRoute({
  method: 'get',
  path: '/api/visitors/{visitorId}/likes',
  tags: ['visitors'],
  summary: "The visitor's likes and dislikes (of movies the catalogue has)",
  security,
  request: { params: VisitorParams, query: LikesQuery },
  responses: { 200: json(VisitorLikesSchema, 'The likes'), ...errorResponses(400, 404) },
});

const recommend = createRoute({
  method: 'get',
  path: '/api/visitors/{visitorId}/recommendations',
  tags: ['visitors'],
  summary: "Top movies from the visitor's stored likes (any instance answers the same)",
  security,
  request: { params: VisitorParams, query: KQuery },
  responses: { 200: json(AnswerSchema, 'Recommendations with their reasons'), ...errorResponses(400, 404) },
});

export type CookieSecure = 'auto' | 'on' | 'off';

/** The bearer token when the request carries one, else the cookie's. */
function credentialOf(c: Context): string | undefined {
  const bearer = /^Bearer +(\S+)$/i.exec(c.req.header('authorization')?.trim() ?? '')?.[1];
  return bearer ?? getCookie(c, VISITOR_COOKIE);
}

/**
 * Visitors and their likes in the shared store. Only the holder of a visitor's token reads, writes or
 * erases them; anything else gets the unknown-visitor 404 that an id nobody holds gets.
 */
export function registerVisitorRoutes(
  app: OpenAPIHono,
  { likes, service, movieJson, cookieSecure = 'auto' }: RouteDeps & { likes: VisitorLikes; cookieSecure?: CookieSecure },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'visitorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token from POST /api/visitors (`<id>.<secret>`)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'visitorCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: VISITOR_COOKIE,
    description: 'Set by POST /api/visitors (HttpOnly, SameSite=Strict, Path=/api); the poster page uses it',
  });
  // Behind a proxy that ends TLS the request URL says http: set REELREC_COOKIE_SECURE=on there.
  const secure = (c: Context) => cookieSecure === 'on' || (cookieSecure === 'auto' && new URL(c.req.url).protocol === 'https:');
  const visitor = (c: Context, claimedId?: string) => likes.authenticate(credentialOf(c), claimedId);

  app.openapi(create, async (c) => {
    const created = await likes.create();
    setCookie(c, VISITOR_COOKIE, created.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: COOKIE_PATH,
      maxAge: COOKIE_MAX_AGE_SECONDS,
      secure: secure(c),
    });
    return c.json(created, 201);
  });
  app.openapi(me, async (c) => c.json({ id: await visitor(c) }, 200));
  app.openapi(erase, async (c) => {
    await likes.erase(await visitor(c, c.req.valid('param').visitorId));
    deleteCookie(c, VISITOR_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure: secure(c) });
    return c.body(null, 204);
  });
  app.openapi(put, async (c) => {
    const { visitorId, movieId } = c.req.valid('param');
    return c.json(await likes.set(await visitor(c, visitorId), movieId, c.req.valid('json').value), 200);
  });
  app.openapi(remove, async (c) => {
    const { visitorId, movieId } = c.req.valid('param');
    await likes.remove(await visitor(c, visitorId), movieId);
    return c.body(null, 204);
  });
  app.openapi(list, async (c) => {
    const held = await likes.list(await visitor(c, c.req.valid('param').visitorId));
    if (c.req.valid('query').expand !== 'movie') return c.json({ likes: held }, 200);
    // list() keeps only movies the catalogue has, so getMovie cannot fail here.
    return c.json({ likes: held.map((l) => ({ ...l, movie: toMovieJson(service.getMovie(l.movieId), movieJson) })) }, 200);
  });
  app.openapi(recommend, async (c) => {
    const id = await visitor(c, c.req.valid('param').visitorId);
    const answer = await likes.recommend(id, c.req.valid('query').k);
    return c.json(toAnswerJson(answer, movieJson), 200);
  });
}
