import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { VisitorLikes } from '../../service/index.js';
import { requireJsonBody } from '../middleware/json-body.js';
import { toAnswerJson } from '../movie-json.js';
import {
  AnswerSchema,
  errorResponses,
  json,
  KQuery,
  LikeBodySchema,
  VisitorLikeResultSchema,
  VisitorLikesSchema,
  VisitorMovieParams,
  VisitorParams,
} from '../schemas.js';
import type { RouteDeps } from './deps.js';

const put = createRoute({
  method: 'put',
  path: '/api/visitors/{visitorId}/likes/{movieId}',
  tags: ['visitors'],
  summary: 'Like (1) or dislike (-1) a movie; answered once the shared store has it',
  middleware: requireJsonBody,
  request: { params: VisitorMovieParams, body: { required: true, content: { 'application/json': { schema: LikeBodySchema } } } },
  responses: { 200: json(VisitorLikeResultSchema, 'Stored'), ...errorResponses(400, 404, 413, 415) },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/visitors/{visitorId}/likes/{movieId}',
  tags: ['visitors'],
  summary: 'Take back a like or dislike',
  request: { params: VisitorMovieParams },
  responses: { 204: { description: 'Removed (or there was none)' }, ...errorResponses(400, 404) },
});

const list = createRoute({
  method: 'get',
  path: '/api/visitors/{visitorId}/likes',
  tags: ['visitors'],
  summary: "A visitor's likes and dislikes",
  request: { params: VisitorParams },
  responses: { 200: json(VisitorLikesSchema, 'The likes'), ...errorResponses(400) },
});

const recommend = createRoute({
  method: 'get',
  path: '/api/visitors/{visitorId}/recommendations',
  tags: ['visitors'],
  summary: "Top movies from a visitor's stored likes (any instance answers the same)",
  request: { params: VisitorParams, query: KQuery },
  responses: { 200: json(AnswerSchema, 'Recommendations with their reasons'), ...errorResponses(400, 404) },
});

/** Likes that live in the shared store, for visitors who come back (and for several instances). */
export function registerVisitorRoutes(
  app: OpenAPIHono,
  { likes, movieJson }: Pick<RouteDeps, 'movieJson'> & { likes: VisitorLikes },
): void {
  app.openapi(put, async (c) => {
    const { visitorId, movieId } = c.req.valid('param');
    return c.json(await likes.set(visitorId, movieId, c.req.valid('json').value), 200);
  });
  app.openapi(remove, async (c) => {
    const { visitorId, movieId } = c.req.valid('param');
    await likes.remove(visitorId, movieId);
    return c.body(null, 204);
  });
  app.openapi(list, async (c) => c.json({ likes: await likes.list(c.req.valid('param').visitorId) }, 200));
  app.openapi(recommend, async (c) => {
    const answer = await likes.recommend(c.req.valid('param').visitorId, c.req.valid('query').k);
    return c.json(toAnswerJson(answer, movieJson), 200);
  });
}
