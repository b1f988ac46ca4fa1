// /v2 in distributed mode (REDIS_URL set: the BullMQ queue, rate-limit counters in Redis), against a
// private redis-server this test starts and stops: /v2/health/ready follows Redis (503 in the
// protocol's shape while it is down, ready again once it is back) while live and infer keep
// answering; infer equals /v1 predict and is rate limited through Redis with a 429 `{"error"}`.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices, type Services } from '../../src/api/services.js';
import { loadConfig } from '../../src/config.js';
import { createQueue } from '../../src/queue/index.js';
import type { TrainingQueue } from '../../src/queue/types.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { identitySpec, identityWeights, LIMITS_OFF } from '../helpers/test-app.js';
import { waitFor } from '../helpers/training-fixtures.js';

describe('Open Inference Protocol in distributed mode', () => {
  let redis: PrivateRedis;
  let dataDir: string;
  let services: Services;
  let queue: TrainingQueue;
  let app: FastifyInstance;
  let modelId: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'nn-oip-distributed-'));
    const config = loadConfig({
      ...LIMITS_OFF, DATA_DIR: dataDir, LOG_LEVEL: 'silent', PREDICT_THREADS: '1', REDIS_URL: redis.url, ALLOW_ANONYMOUS: 'true',
      QUEUE_PREFIX: `oip-${randomUUID().slice(0, 8)}`, RATE_LIMIT_PREDICT_PER_MINUTE: '3',
    });
    services = await createServices(config);
    queue = await createQueue(config, { jobs: services.deps.jobs });
    app = await buildApp({ ...services.deps, queue });
    await app.ready();
    modelId = (await app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'oip', spec: identitySpec } })).json().id;
    await services.deps.storage.checkpoints.create({ modelId, epoch: 1, weights: identityWeights(1.5), tags: ['best'] });
  });
  afterAll(async () => {
    await app?.close();
    await queue?.close();
    await services?.close();
    await redis?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ method: 'GET', url });
  const rows = [[0.25, -1.75], [3.5, 0.125]];
  const infer = (remoteAddress: string) =>
    app.inject({ method: 'POST', url: `/v2/models/${modelId}/infer`, remoteAddress, payload: { inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP64', data: rows }] } });

  it('is ready while Redis answers; infer equals /v1 predict; the fourth infer in a minute is 429 in the protocol shape', async () => {
    expect((await get('/v2/health/ready')).json()).toEqual({ ready: true });
    const v1 = (await app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, remoteAddress: '10.9.0.1', payload: { instances: rows } })).json();
    for (let i = 0; i < 3; i++) {
      const res = await infer('10.9.0.2');
      expect(res.statusCode).toBe(200);
      expect(res.json().outputs).toEqual([
        { name: 'output', datatype: 'FP32', shape: [2, 2], data: v1.predictions.flat() },
        { name: 'classes', datatype: 'INT64', shape: [2], data: v1.classes },
      ]);
    }
    const limited = await infer('10.9.0.2');
    expect([limited.statusCode, Object.keys(limited.json())]).toEqual([429, ['error']]);
    expect(limited.json().error).toContain('rate limit of 3 requests per minute');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers not ready (503, naming the queue) while Redis is down, keeps live and infer answering, and is ready again after', async () => {
    await redis.stop();
    const down = await waitFor(() => get('/v2/health/ready'), (res) => res.statusCode === 503);
    expect(down.statusCode).toBe(503);
    expect(Object.keys(down.json())).toEqual(['error']);
    expect(down.json().error).toMatch(/^not ready: queue \(/);
    expect(down.headers['retry-after']).toBeDefined();
    expect((await get('/v2/health/live')).json()).toEqual({ live: true });
    // Predictions need no Redis; the rate limiter fails open while it is unreachable.
    expect((await infer('10.9.0.3')).statusCode).toBe(200);

    await redis.start();
    const up = await waitFor(() => get('/v2/health/ready'), (res) => res.statusCode === 200);
    expect(up.json()).toEqual({ ready: true });
  });
});
