import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.js';
import { ErrorSchema, errorResponses, json } from '../schemas.js';

const KeyUsageSchema = z
  .object({
    name: z.string().openapi({ description: 'The key name given to `reelrec keys create`.' }),
    requests: z
      .number()
      .int()
      .openapi({ description: 'Requests this server instance served for the key since it started (each instance counts its own).' }),
    windowLimit: z.number().int().openapi({ description: 'Requests allowed per one-minute window for this key.' }),
    windowRemaining: z.number().int().openapi({ description: 'Requests left in the current window, this one counted.' }),
  })
  .openapi('KeyUsage', { example: { name: 'acme-dashboard', requests: 42, windowLimit: 1200, windowRemaining: 1187 } });

const usage = createRoute({
  method: 'get',
  path: '/api/keys/usage',
  tags: ['keys'],
  summary: 'Usage of the developer key sent in X-API-Key',
  security: [{ ApiKey: [] }],
  responses: {
    200: json(KeyUsageSchema, 'The key, its requests and its current window'),
    ...errorResponses(),
    401: json(ErrorSchema, 'No valid key in X-API-Key (`invalid_api_key`)'),
  },
});

/** Exists only when developer keys are on; the rate-limit middleware has counted the request already. */
export function registerKeyRoutes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'A developer key from `reelrec keys create`: its own rate limit and usage counter. Any route accepts it.',
  });
  app.openapi(usage, (c) => {
    const found = c.get('apiKeyUsage');
    if (!found) throw new ApiError('invalid_api_key', 'send a developer key in the X-API-Key header');
    return c.json(found, 200);
  });
}
