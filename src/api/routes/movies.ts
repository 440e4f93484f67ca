import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { toMovieJson } from '../movie-json.js';
import { errorResponses, json, MovieIdParams, MoviePageSchema, MovieQuerySchema, MovieSchema } from '../schemas.js';
import type { RouteDeps } from './deps.js';

const search = createRoute({
  method: 'get',
  path: '/api/movies',
  tags: ['movies'],
  summary: 'Search the catalogue by title and genre, a page at a time',
  request: { query: MovieQuerySchema },
  responses: { 200: json(MoviePageSchema, 'One page of matching movies'), ...errorResponses(400) },
});

const byId = createRoute({
  method: 'get',
  path: '/api/movies/{id}',
  tags: ['movies'],
  summary: 'One movie',
  request: { params: MovieIdParams },
  responses: { 200: json(MovieSchema, 'The movie'), ...errorResponses(400, 404) },
});

export function registerMovieRoutes(app: OpenAPIHono, { service, movieJson }: RouteDeps): void {
  app.openapi(search, (c) => {
    const { q, genre, offset, limit } = c.req.valid('query');
    // An empty `q=` or `genre=` from a form means "any", not "titles containing nothing".
    const page = service.searchMovies({ ...(q ? { q } : {}), ...(genre ? { genre } : {}), offset, limit });
    return c.json({ ...page, items: page.items.map((m) => toMovieJson(m, movieJson)) }, 200);
  });

  app.openapi(byId, (c) => c.json(toMovieJson(service.getMovie(c.req.valid('param').id), movieJson), 200));
}
