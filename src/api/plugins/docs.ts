// API documentation: the hand-written root `openapi.yaml` served verbatim at `/openapi.yaml`, and
// Swagger UI at `/docs` rendering that same document (@fastify/swagger in static mode).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';

/** Two levels up from src/api/plugins or dist/api/plugins: the repository root. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));

export async function docsPlugin(app: FastifyInstance): Promise<void> {
  const text = readFileSync(OPENAPI_PATH, 'utf8');
  await app.register(swagger, { mode: 'static', specification: { document: parse(text) } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml; charset=utf-8').send(text));
}
