// Who a request comes from, for rate limits and the per-client job cap: the API key when keys are
// configured (auth has checked it by then), else the client's IP (fastify's request.ip, which follows
// TRUST_PROXY). Keys are never stored or sent to Redis as such: only a short sha256 digest.

import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Without configured keys a bearer token proves nothing, so anyone could mint a fresh bucket per
 * request by changing it: the IP is the identity then.
 */
export function clientKey(request: FastifyRequest, apiKeysConfigured: boolean): string {
  if (apiKeysConfigured) {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match) return `key:${createHash('sha256').update(match[1]).digest('hex').slice(0, 32)}`;
  }
  return `ip:${request.ip}`;
}
