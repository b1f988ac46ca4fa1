// 503s that protect the process: OVERLOADED when the event loop lags (@fastify/under-pressure, mean
// delay over OVERLOAD_MAX_EVENT_LOOP_DELAY_MS), and SHUTTING_DOWN for requests that arrive on open
// connections while the server closes (replacing fastify's return503OnClosing body with ours).
// Both carry Retry-After. /healthz and /metrics stay exempt from OVERLOADED: a slow process is alive,
// and its metrics are what tells an operator why.

import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { serviceUnavailable } from '../../errors.js';

const EXEMPT_FROM_OVERLOAD = new Set(['/healthz', '/metrics']);
const RETRY_AFTER_SECONDS = 5;

export const loadSheddingPlugin = fp(
  async (app: FastifyInstance, { maxEventLoopDelayMs }: { maxEventLoopDelayMs: number }) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (_request, reply) => {
      if (!closing) return;
      reply.header('connection', 'close');
      throw serviceUnavailable('SHUTTING_DOWN', 'the server is shutting down; retry on another instance or after it restarts', RETRY_AFTER_SECONDS);
    });

    if (maxEventLoopDelayMs === 0) return;
    await app.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      sampleInterval: 1000,
      // Resolving (undefined) lets the request through; rejecting sends our error through the error handler.
      pressureHandler: (request, _reply, _type, value) => {
        if (EXEMPT_FROM_OVERLOAD.has(request.routeOptions.url ?? '')) return undefined;
        const delay = Math.round(Number(value));
        return Promise.reject(
          serviceUnavailable('OVERLOADED', `the server is overloaded (event-loop delay ${delay} ms, limit ${maxEventLoopDelayMs} ms)`, RETRY_AFTER_SECONDS),
        );
      },
    });
  },
  { name: 'load-shedding' },
);
