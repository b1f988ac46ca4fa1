// The web dashboard: `GET /` redirects to `/ui/`, which serves the static files `npm run build` writes
// to dist/web (source in web/, built by Vite). Outside /v1, so loading it needs no key; the page asks
// for one and sends it on every API call. Hashed assets are cached for good, index.html never.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';

/** From src/api/plugins or dist/api/plugins: the repository's dist/web. */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export async function dashboardPlugin(app: FastifyInstance, { root = WEB_ROOT }: { root?: string } = {}): Promise<void> {
  app.get('/', async (_request, reply) => reply.redirect('/ui/', 302));
  // Relative asset URLs need the trailing slash.
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/', 301));
  if (!existsSync(join(root, 'index.html'))) {
    // A checkout that was never built (tests run from src/ without `npm run build`): say how to get it.
    const notBuilt = async () => {
      throw new AppError(404, 'NOT_FOUND', 'the dashboard is not built: run `npm run build` (it writes dist/web)');
    };
    app.get('/ui/*', notBuilt);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    // Swagger UI registers @fastify/static too; this instance needs no reply.sendFile of its own.
    decorateReply: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, path) {
      // Vite puts a content hash in every asset's name; index.html must be re-read to see a new build.
      res.setHeader('cache-control', path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
