// Request ids: honour a sane `x-request-id` from the caller (so ids follow a request across services),
// otherwise a new UUID; echoed in the response header. fastify logs it as `requestId` on every line.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

export function genReqId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

export const requestIdPlugin = fp(
  async (app: FastifyInstance) => {
    // Callback style, like every hook on the predict path: an async hook costs a promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
  },
  { name: 'request-id' },
);
