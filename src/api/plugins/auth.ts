// Bearer API keys. Registered inside the /v1 scope only, so /healthz, /readyz, /metrics, /docs and
// /openapi.yaml stay open. Keys are compared as sha256 digests with timingSafeEqual (constant time).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

export function registerAuth(scope: FastifyInstance, apiKeys: readonly string[]): void {
  if (apiKeys.length === 0) return;
  const allowed = apiKeys.map(digest);
  scope.addHook('onRequest', async (request) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = match ? digest(match[1]) : null;
    if (!given || !allowed.some((key) => timingSafeEqual(key, given))) {
      const message = match ? 'API key not recognised' : 'missing "Authorization: Bearer <API key>" header';
      throw new AppError(401, 'UNAUTHORIZED', message, [], { 'www-authenticate': 'Bearer' });
    }
  });
}
