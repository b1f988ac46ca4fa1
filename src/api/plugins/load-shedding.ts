// 503s that protect the process: OVERLOADED when the event loop lags (mean delay over
// OVERLOAD_MAX_EVENT_LOOP_DELAY_MS, measured by @fastify/under-pressure), and SHUTTING_DOWN for requests
// that arrive on open connections while the server closes (replacing fastify's return503OnClosing body
// with ours). Both carry Retry-After. /healthz and /metrics stay exempt from OVERLOADED: a slow process
// is alive, and its metrics are what tells an operator why.

import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { serviceUnavailable } from '../../errors.js';

const EXEMPT_FROM_OVERLOAD = new Set(['/healthz', '/metrics', '/v2/health/live']);
const RETRY_AFTER_SECONDS = 5;

export interface LoadSheddingOptions {
  maxEventLoopDelayMs: number;
  /**
   * The current mean event-loop delay in ms. Default: under-pressure's measurement (1 s samples).
   * Injectable so a test drives "overloaded" directly instead of stalling its own event loop.
   */
  eventLoopDelayMs?: () => number;
}

export const loadSheddingPlugin = fp(
  async (app: FastifyInstance, { maxEventLoopDelayMs, eventLoopDelayMs }: LoadSheddingOptions) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    // Callback style: this runs on every request, and an async hook costs a promise each time.
    app.addHook('onRequest', (_request, reply, done) => {
      if (!closing) {
        done();
        return;
      }
      reply.header('connection', 'close');
      done(serviceUnavailable('SHUTTING_DOWN', 'the server is shutting down; retry on another instance or after it restarts', RETRY_AFTER_SECONDS));
    });

    if (maxEventLoopDelayMs === 0) return;
    // Registered without thresholds, under-pressure only measures; the decision below is ours, so the
    // measurement can be replaced.
    if (!eventLoopDelayMs) await app.register(underPressure, { sampleInterval: 1000 });
    const currentDelay = eventLoopDelayMs ?? (() => app.memoryUsage().eventLoopDelay);
    app.addHook('onRequest', async (request) => {
      if (EXEMPT_FROM_OVERLOAD.has(request.routeOptions.url ?? '')) return;
      const delay = currentDelay();
      // under-pressure reports Infinity for a sample window that got no readings (typically the
      // process's own start-up on a busy machine): unknown is not overloaded, and this request shows
      // the loop is turning now.
      if (!Number.isFinite(delay) || delay <= maxEventLoopDelayMs) return;
      throw serviceUnavailable('OVERLOADED', `the server is overloaded (event-loop delay ${Math.round(delay)} ms, limit ${maxEventLoopDelayMs} ms)`, RETRY_AFTER_SECONDS);
    });
  },
  { name: 'load-shedding' },
);
