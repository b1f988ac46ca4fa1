// Security headers (@fastify/helmet) on every response, with a Content-Security-Policy that the
// Swagger UI at /docs works under (its scripts and styles are same-origin files, it needs inline
// styles and data: images), as does the dashboard at /ui/ unchanged (test/web/*.browser.test.ts fails
// on any violation), and a CORS allowlist (@fastify/cors) only when CORS_ORIGINS is set.

import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Request headers a browser client may send, and response headers it may read. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'last-event-id', 'x-request-id'];
const EXPOSED_HEADERS = ['location', 'retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { corsOrigins }: { corsOrigins: string[] }) => {
    await app.register(helmet, {
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
