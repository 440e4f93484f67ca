import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ReelrecError } from '../../errors.js';
import { ApiError } from '../errors.js';
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

/** The only files of swagger-ui-dist ever served: a fixed list, so no request names a path. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

export const DOCS_ASSETS_PATH = `${DOCS_PATH}/assets`;
const INIT_PATH = `${DOCS_PATH}/init.js`;

// validatorUrl: null, or Swagger UI shows a badge image fetched from validator.swagger.io.
const INIT_JS = `window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reelrec API</title>
<link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${INIT_PATH}"></script>
</body>
</html>
`;

/**
 * The folder of the installed swagger-ui-dist package. It is a runtime dependency: a missing one stops
 * createApp (and so `reelrec start`) with one line rather than serving a /docs that cannot load.
 */
export function swaggerUiDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch (error) {
    throw new ReelrecError('missing_dependency', 'the swagger-ui-dist package is not installed (it serves /docs); run `npm ci`', {
      cause: error,
    });
  }
}

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** Read on first request and kept: four files, about 2 MB. */
const cache = new Map<string, Asset>();

function readAsset(dir: string, name: string): Asset {
  const file = join(dir, name);
  let asset = cache.get(file);
  if (!asset) {
    const body = new Uint8Array(readFileSync(file));
    asset = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    cache.set(file, asset);
  }
  return asset;
}

export function registerDocRoutes(app: OpenAPIHono): void {
  const dir = swaggerUiDir();
  app.doc31(OPENAPI_PATH, OPENAPI_INFO);
  app.get(DOCS_PATH, (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(PAGE);
  });
  app.get(INIT_PATH, (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.body(INIT_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });
  app.get(`${DOCS_ASSETS_PATH}/:name`, (c) => {
    const name = c.req.param('name');
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new ApiError('not_found', `no such documentation asset: ${name.slice(0, 80)}`);
    const asset = readAsset(dir, name);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, { ETag: asset.etag });
    return c.body(asset.body, 200, {
      'Content-Type': type,
      'Cache-Control': 'public, max-age=86400',
      ETag: asset.etag,
      'X-Content-Type-Options': 'nosniff',
    });
  });
}
