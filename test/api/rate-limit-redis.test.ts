// Distributed mode keeps rate-limit counters in Redis, so a limit holds across API processes (two
// apps here, one Redis); when Redis is unreachable the limits fail open: requests are served, never
// a 5xx. Uses its own random key prefix and deletes only its keys.

import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/api/services.js';
import { loadConfig } from '../../src/config.js';
import { createQueue } from '../../src/queue/index.js';
import { resolvedWithTimersFrozen } from '../helpers/frozen-timers.js';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';
import { expectError, LIMITS_OFF, MISSING_ID } from '../helpers/test-app.js';
import { waitFor } from '../helpers/training-fixtures.js';

const prefix = `ratelimit-test-${randomUUID().slice(0, 8)}`;
const cleanups: (() => Promise<void>)[] = [];

/** An API app in distributed mode for its rate limits (Redis store), with an embedded queue behind it. */
async function apiApp(redisUrl: string, logLines?: string[]): Promise<FastifyInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-ratelimit-'));
  const config = loadConfig({
    ...LIMITS_OFF, DATA_DIR: dataDir, LOG_LEVEL: 'silent', PREDICT_THREADS: '1', REDIS_URL: redisUrl, QUEUE_PREFIX: prefix,
    ALLOW_ANONYMOUS: 'true', RATE_LIMIT_PREDICT_PER_MINUTE: '3',
  });
  const services = await createServices(config);
  const queue = await createQueue({ ...config, redisUrl: null }, { jobs: services.deps.jobs });
  const logger = logLines ? pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }) : undefined;
  const app = await buildApp({ ...services.deps, queue, ...(logger ? { logger } : {}) });
  await app.ready();
  cleanups.push(async () => {
    await app.close();
    await queue.close();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return app;
}

const predict = (app: FastifyInstance) =>
  app.inject({ method: 'POST', url: `/v1/models/${MISSING_ID}/predict`, remoteAddress: '10.2.0.1', payload: { instances: [[0, 0]] } });

describe('rate limits in distributed mode', () => {
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  it('share one budget across API processes through Redis', async () => {
    const [a, b] = [await apiApp(TEST_REDIS_URL), await apiApp(TEST_REDIS_URL)];
    const statuses = [];
    for (const app of [a, b, a]) statuses.push((await predict(app)).statusCode);
    expect(statuses).toEqual([404, 404, 404]);
    const limited = await predict(b);
    expectError(limited.json(), 429, 'RATE_LIMITED', limited.statusCode);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('fail open when Redis is unreachable: requests are served without waiting on Redis, never a 5xx, and the outage is logged once', async () => {
    // A "Redis" that resets every connection: each of the client's attempts is an error, and countable.
    let attempts = 0;
    const broken = createServer((socket) => {
      attempts++;
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => broken.close(() => resolve())));
    const logLines: string[] = [];
    const app = await apiApp(`redis://127.0.0.1:${(broken.address() as AddressInfo).port}`, logLines);
    for (const atLeast of [2, 4]) {
      expect(await waitFor(async () => attempts, (n) => n >= atLeast)).toBeGreaterThanOrEqual(atLeast);
      for (let i = 0; i < 3; i++) {
        // Served with timers frozen: the limiter neither queues the command nor waits for its timeout.
        const res = await resolvedWithTimersFrozen(() => predict(app));
        expect(res.statusCode).toBe(404);
      }
    }
    expect(logLines.filter((line) => line.includes('rate limits are not enforced'))).toHaveLength(1); // once per outage, not per failed attempt
  });
});
