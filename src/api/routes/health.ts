import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ServiceInfo } from '../../service/index.js';
import { ApiError } from '../errors.js';
import { ErrorSchema, HealthSchema, json, ReadySchema } from '../schemas.js';
import type { RouteDeps } from './deps.js';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness: the process answers (no service call, never rate limited)',
  responses: { 200: json(HealthSchema, 'Alive') },
});

const ready = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Readiness: the recommendation service answers (never rate limited)',
  responses: { 200: json(ReadySchema, 'Ready, with what the service serves'), 503: json(ErrorSchema, 'Not ready (`not_ready`)') },
});

export function registerHealthRoutes(app: OpenAPIHono, { service, logger }: Pick<RouteDeps, 'service'> & { logger: Logger }): void {
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, (c) => {
    let info: ServiceInfo;
    try {
      info = service.info();
    } catch (err) {
      logger.error({ err }, 'readiness check failed');
      throw new ApiError('not_ready', 'the recommendation service is not ready');
    }
    return c.json({ ...info, status: 'ready' as const }, 200);
  });
}
