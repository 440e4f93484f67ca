import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { requireJsonBody } from '../middleware/json-body.js';
import { errorResponses, GenreListSchema, GenreProfileBodySchema, GenreProfileSchema, GenreSimilaritySchema, json } from '../schemas.js';
import { type RouteDeps, unique } from './deps.js';

const list = createRoute({
  method: 'get',
  path: '/api/genres',
  tags: ['genres'],
  summary: 'Every genre with its movie count',
  responses: { 200: json(GenreListSchema, 'The genres'), ...errorResponses() },
});

const similarity = createRoute({
  method: 'get',
  path: '/api/genres/similarity',
  tags: ['genres'],
  summary: 'Genre × genre cosine similarity',
  responses: { 200: json(GenreSimilaritySchema, 'The similarity matrix'), ...errorResponses() },
});

const profile = createRoute({
  method: 'post',
  path: '/api/genres/profile',
  tags: ['genres'],
  summary: "The visitor's genre profile from the movies they picked",
  middleware: requireJsonBody,
  request: { body: { required: true, content: { 'application/json': { schema: GenreProfileBodySchema } } } },
  responses: { 200: json(GenreProfileSchema, 'Affinity to every genre'), ...errorResponses(400, 404, 413, 415) },
});

export function registerGenreRoutes(app: OpenAPIHono, { service }: Pick<RouteDeps, 'service'>): void {
  app.openapi(list, (c) => c.json({ genres: service.listGenres() }, 200));
  app.openapi(similarity, (c) => c.json(service.genreSimilarity(), 200));
  app.openapi(profile, (c) => c.json({ genres: service.genreProfile(unique(c.req.valid('json').liked)) }, 200));
}
