import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { RecommendationAnswer } from '../../service/index.js';
import { requireJsonBody } from '../middleware/json-body.js';
import { answerTextWriter, toAnswerJson } from '../movie-json.js';
import { AnswerSchema, errorResponses, json, KQuery, RecommendBodySchema, UserIdParams } from '../schemas.js';
import { type RouteDeps, unique } from './deps.js';

const fromLikes = createRoute({
  method: 'post',
  path: '/api/recommend',
  tags: ['recommendations'],
  summary: 'Top movies for someone who picked some posters',
  middleware: requireJsonBody,
  request: { body: { required: true, content: { 'application/json': { schema: RecommendBodySchema } } } },
  responses: { 200: json(AnswerSchema, 'Recommendations with their reasons'), ...errorResponses(400, 404, 413, 415) },
});

const forUser = createRoute({
  method: 'get',
  path: '/api/users/{id}/recommendations',
  tags: ['recommendations'],
  summary: 'Top movies for a MovieLens user of the training data',
  request: { params: UserIdParams, query: KQuery },
  responses: { 200: json(AnswerSchema, 'Recommendations with their reasons'), ...errorResponses(400, 404) },
});

export function registerRecommendRoutes(app: OpenAPIHono, { service, movieJson }: RouteDeps): void {
  // The service hands back the same answer object for repeated picks (its cache), so the JSON is
  // kept per object: a repeat costs a lookup, not a re-serialisation. Kept as UTF-8 bytes: they
  // live outside the JS heap, so the young-generation collector does not copy every cached answer's
  // text again (it did, ~20 KB an answer), and the server writes them without measuring or
  // encoding a string on each response.
  const serialised = new WeakMap<RecommendationAnswer, Uint8Array<ArrayBuffer>>();
  const answerText = answerTextWriter(movieJson);
  const utf8 = new TextEncoder();
  app.openapi(fromLikes, async (c) => {
    const body = c.req.valid('json');
    const answer = await service.recommendFromLikes({
      liked: unique(body.liked),
      disliked: unique(body.disliked ?? []),
      k: body.k,
      ...(body.genres ? { genres: unique(body.genres) } : {}),
      exclude: unique(body.exclude ?? []),
    });
    let bytes = serialised.get(answer);
    if (bytes === undefined) {
      bytes = utf8.encode(answerText(answer)) as Uint8Array<ArrayBuffer>;
      serialised.set(answer, bytes);
    }
    // Same bytes c.json would produce; the cast only tells the typed route so.
    return c.body(bytes, 200, { 'content-type': 'application/json' }) as never;
  });

  app.openapi(forUser, async (c) => {
    const { id } = c.req.valid('param');
    const { k } = c.req.valid('query');
    return c.json(toAnswerJson(await service.recommendForKnownUser(id, k), movieJson), 200);
  });
}
