// The BullMQ queue and worker against the queue contract, on the real Redis (REDIS_URL or
// 127.0.0.1:6379) under a random key prefix that is deleted afterwards (never a FLUSH).

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import { startTrainingWorker } from '../../src/queue/bullmq-worker.js';
import { openStorage } from '../../src/storage/index.js';
import { JobStore } from '../../src/storage/job-store.js';
import { NO_LIMITS } from '../../src/training/runtime.js';
import { rejectionWithTimersFrozen } from '../helpers/frozen-timers.js';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';
import { queueContract, type QueueHarness } from './contract.js';

async function harness(): Promise<QueueHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-bullmq-queue-'));
  const settings = { redisUrl: TEST_REDIS_URL, prefix: `nn-test-${randomUUID()}`, queueName: 'training' };
  const storage = await openStorage(dataDir);
  const jobs = new JobStore(dataDir);
  await jobs.init();
  const queue = new BullmqQueue({ ...settings, jobs, maxAttempts: 3, dataDir });
  await queue.connected();
  const worker = await startTrainingWorker({ ...settings, dataDir, limits: NO_LIMITS, lockMs: 30_000, concurrency: 1, maxStalls: 3 });
  return {
    queue, storage, jobs,
    async close() {
      await worker.close();
      await queue.close();
      await deleteKeys(settings.redisUrl, settings.prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

queueContract('bullmq', harness);

describe('BullmqQueue without Redis', () => {
  it('rejects enqueue, cancel and ping at once with 503 QUEUE_UNAVAILABLE: no offline queue, no waiting for a reconnect or a timeout', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-bullmq-down-'));
    const queue = new BullmqQueue({
      redisUrl: 'redis://127.0.0.1:1', prefix: 'nn-test-down', queueName: 'training', jobs: new JobStore(dataDir), maxAttempts: 1, dataDir,
    });
    try {
      for (const attempt of [() => queue.enqueue(randomUUID()), () => queue.cancel(randomUUID()), () => queue.ping()]) {
        const reason = (await rejectionWithTimersFrozen(attempt)) as Error;
        expect(reason).toMatchObject({ status: 503, code: 'QUEUE_UNAVAILABLE' });
        // Refused by the connection state (enableOfflineQueue: false), not by the 2 s answer timeout.
        expect(reason.message).not.toContain('did not answer in time');
        expect(reason.message).toMatch(/Redis connection is|enableOfflineQueue/);
      }
    } finally {
      await queue.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
