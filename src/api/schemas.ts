import { z } from '@hono/zod-openapi';
import { ERROR_STATUS } from './errors.js';

/** Shared OpenAPI schemas: the names given with `.openapi('Name')` become the doc's components. */

const MovieId = z.number().int().positive().openapi({ example: 7 });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error', { example: { error: { code: 'unknown_movie', message: 'unknown movie id: 999999', details: { ids: [999999] } } } });

export const MovieSchema = z
  .object({
    id: MovieId,
    title: z.string(),
    year: z.number().int().nullable(),
    genres: z.array(z.string()),
    overview: z.string().nullable(),
    poster: z.object({
      svg: z.string().openapi({ description: 'Self-drawn SVG poster, always available.', example: '/posters/7.svg' }),
      remote: z.string().nullable().openapi({ description: 'TMDB image when known and remote posters are on.' }),
    }),
  })
  .openapi('Movie', {
    example: {
      id: 7,
      title: 'Twelve Monkeys (1995)',
      year: 1995,
      genres: ['Sci-Fi'],
      overview: null,
      poster: { svg: '/posters/7.svg', remote: null },
    },
  });

export const ReasonSchema = z
  .object({
    kind: z.enum(['liked', 'genre', 'popular', 'taste']),
    text: z.string(),
    movieId: z.number().int().optional(),
    genre: z.string().optional(),
  })
  .openapi('Reason', { example: { kind: 'genre', text: 'you like Sci-Fi', genre: 'Sci-Fi' } });

export const AnswerSchema = z
  .object({
    items: z.array(z.object({ movie: MovieSchema, score: z.number(), reasons: z.array(ReasonSchema) })),
    strategy: z.object({ kind: z.enum(['hybrid', 'known-user']), weights: z.record(z.string(), z.number()) }),
  })
  .openapi('Recommendations');

const ids = (max: number) => z.array(MovieId).max(max);

export const RecommendBodySchema = z
  .object({
    liked: ids(200).openapi({ description: 'Movies the visitor picked (may be empty: popular movies answer).' }),
    disliked: ids(200).optional(),
    k: z.number().int().min(1).max(50).default(10),
    genres: z.array(z.string().min(1).max(64)).max(30).optional().openapi({ description: 'Only movies with one of these genres.' }),
    exclude: ids(1000).optional(),
  })
  .openapi('RecommendRequest', { example: { liked: [1, 7], k: 10 } });

export const GenreProfileBodySchema = z.object({ liked: ids(200).min(1) }).openapi('GenreProfileRequest', { example: { liked: [1, 7] } });

/** Path ids are digits only: `007`, `1e3`, `0x10` or `../` are rejected, not coerced. */
const pathId = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'expected a positive integer')
    .transform(Number)
    .openapi({ param: { name, in: 'path' }, example: '7' });

export const MovieIdParams = z.object({ id: pathId('id') });
export const UserIdParams = z.object({ id: pathId('id') });

// Spelled out for the doc: the generator renders a coerced `.min(0)` as a nullable integer.
const queryInt = (min: number, max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .openapi({ type: 'integer', minimum: min, maximum: max, default: fallback, example: fallback });

export const KQuery = z.object({ k: queryInt(1, 50, 10) });

// Only the shape is checked here (400 for anything else): whether such a visitor exists is never said apart
// from whether the credential is its own (both answer the same 404).
const visitorId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, _ or -')
  .openapi({ param: { name: 'visitorId', in: 'path' }, example: 'Q2hvb3NlIGEgcG9zdGVyIQ' });

export const VisitorParams = z.object({ visitorId });
export const VisitorMovieParams = z.object({ visitorId, movieId: pathId('movieId') });

export const LikeBodySchema = z
  .object({ value: z.union([z.literal(1), z.literal(-1)]).openapi({ description: '1 like, -1 dislike' }) })
  .openapi('LikeRequest', { example: { value: 1 } });

const VisitorLikeSchema = z.object({ movieId: MovieId, value: z.union([z.literal(1), z.literal(-1)]) }).openapi('VisitorLike');
export const VisitorLikeResultSchema = VisitorLikeSchema;
export const VisitorLikesSchema = z
  .object({ likes: z.array(VisitorLikeSchema.extend({ movie: MovieSchema.optional() })) })
  .openapi('VisitorLikes');

export const LikesQuery = z.object({
  expand: z
    .enum(['movie'])
    .optional()
    .openapi({ description: '`movie`: each like also carries its Movie, so a page needs one request to show them.' }),
});

export const NewVisitorSchema = z
  .object({
    id: z.string().openapi({ description: '128 random bits, base64url.' }),
    token: z.string().openapi({
      description: '`<id>.<secret>`: present it as `Authorization: Bearer <token>` (also set as the `reelrec_visitor` cookie). Shown once.',
    }),
  })
  .openapi('NewVisitor', {
    example: { id: 'Q2hvb3NlIGEgcG9zdGVyIQ', token: 'Q2hvb3NlIGEgcG9zdGVyIQ.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I' },
  });

export const VisitorSchema = z.object({ id: z.string() }).openapi('Visitor', { example: { id: 'Q2hvb3NlIGEgcG9zdGVyIQ' } });

export const MovieQuerySchema = z.object({
  q: z.string().max(200).optional().openapi({ description: 'Case-insensitive part of the title.', example: 'monkeys' }),
  genre: z.string().max(64).optional().openapi({ example: 'Sci-Fi' }),
  offset: queryInt(0, 1_000_000, 0),
  limit: queryInt(1, 100, 24),
});

export const MoviePageSchema = z
  .object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(MovieSchema) })
  .openapi('MoviePage');

export const GenreListSchema = z
  .object({ genres: z.array(z.object({ name: z.string(), movieCount: z.number().int() })) })
  .openapi('GenreList', { example: { genres: [{ name: 'Comedy', movieCount: 12 }] } });

export const GenreSimilaritySchema = z
  .object({
    genres: z.array(z.string()),
    matrix: z.array(z.array(z.number())).openapi({ description: 'Cosine similarity, row-major genres × genres.' }),
  })
  .openapi('GenreSimilarity');

export const GenreProfileSchema = z
  .object({ genres: z.array(z.object({ genre: z.string(), affinity: z.number(), positive: z.boolean() })) })
  .openapi('GenreProfile', { example: { genres: [{ genre: 'Sci-Fi', affinity: 0.42, positive: true }] } });

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export const ReadySchema = z
  .object({
    status: z.literal('ready'),
    dataset: z.string(),
    movies: z.number().int(),
    users: z.number().int(),
    embedder: z.string(),
    backend: z.string(),
  })
  .openapi('Ready');

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input (`invalid_input`, `invalid_json`, `unknown_genre`); `details.issues` lists each field path',
  404: 'Unknown movie or user (`details.ids`), or `unknown_visitor`: no valid credential for this visitor (one answer for unknown and foreign ids)',
  409: 'The visitor already keeps as many likes as allowed (`too_many_likes`)',
  413: 'Body larger than the limit (`payload_too_large`)',
  415: 'Body is not `Content-Type: application/json` (`unsupported_media_type`)',
  429: 'Too many requests from this client (`rate_limited`); see `Retry-After`',
  500: 'Server fault (`internal`); never caused by input',
} as const;

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds until the client may retry', schema: { type: 'integer' as const } } };

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;
type ErrorResponse = {
  description: string;
  content: { 'application/json': { schema: typeof ErrorSchema } };
  headers?: typeof RETRY_AFTER;
};

/** The error responses a route documents; every route can also answer 429 and 500. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S | 429 | 500, ErrorResponse> {
  const out = {} as Record<S | 429 | 500, ErrorResponse>;
  for (const status of [...statuses, 429, 500] as (S | 429 | 500)[]) {
    out[status] = { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: ErrorSchema } } };
    if (status === 429) out[status].headers = RETRY_AFTER;
  }
  return out;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
