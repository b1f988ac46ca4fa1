// Security headers (helmet) on every response, with a Content-Security-Policy that the Swagger UI at
// /docs works under (its scripts and styles are same-origin files, it needs inline styles and data:
// images), as does the dashboard at /ui/ unchanged (test/web/*.browser.test.ts fails on any
// violation), and a CORS allowlist (@fastify/cors) only when CORS_ORIGINS is set.

import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** Request headers a browser client may send, and response headers it may read. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'last-event-id', 'x-request-id'];
const EXPOSED_HEADERS = ['location', 'retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      // The service is often reached over plain HTTP (loopback, behind a TLS proxy): upgrading
      // the docs page's asset URLs to https would break it there.
      upgradeInsecureRequests: null,
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
    },
  },
  // Swagger UI and the API are same-origin; nothing is embedded cross-origin.
  crossOriginEmbedderPolicy: false,
};

/**
 * The headers helmet sets, computed once. With no CSP nonces they depend on nothing in the request,
 * and @fastify/helmet rebuilt helmet's whole middleware (parsing every directive) per request: about
 * 8% of a predict's CPU (bench:serve profile). Helmet still decides the set, so its defaults follow
 * its updates.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failure: unknown = null;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => (failure = err ?? null));
  if (failure) throw failure;
  return headers;
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { corsOrigins }: { corsOrigins: string[] }) => {
    const headers = securityHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    if (corsOrigins.length === 0) return; // no allowlist: browsers on other origins get no CORS headers
    await app.register(cors, {
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  },
  { name: 'security-headers' },
);
