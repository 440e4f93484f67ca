import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { DOCS_PATH } from '../middleware/security.js';

export const OPENAPI_PATH = '/openapi.json';

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'reelrec API',
    version: '1.0.0',
    description: 'Movie recommendations from picked posters. Errors are `{ error: { code, message, details? } }`.',
  },
};

export function registerDocRoutes(app: OpenAPIHono): void {
  app.doc31(OPENAPI_PATH, OPENAPI_INFO);
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: 'reelrec API' }));
}
