// The embedded queue (in-process, training threads from dist/) against the queue contract, plus its
// own promises: a restart re-queues unfinished jobs from the job records; training threads report their memory.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedQueue } from '../../src/queue/embedded-queue.js';
import { openStorage } from '../../src/storage/index.js';
import { JobStore } from '../../src/storage/job-store.js';
import { threadMemoryBoard } from '../../src/thread-memory.js';
import { NO_LIMITS, type JobLimits } from '../../src/training/runtime.js';
import { storeFixtures, storeJob, waitFor } from '../helpers/training-fixtures.js';
import { queueContract, type QueueHarness } from './contract.js';

async function harness(dataDir?: string, limits: JobLimits = NO_LIMITS): Promise<QueueHarness & { dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'nn-embedded-queue-')));
  const storage = await openStorage(dir);
  const jobs = new JobStore(dir);
  await jobs.init();
  const queue = new EmbeddedQueue({ jobs, dataDir: dir, limits, concurrency: 1, maxAttempts: 3, shutdownGraceMs: 10_000 });
  await queue.start();
  return {
    queue, storage, jobs, dataDir: dir,
    async close() {
      await queue.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

queueContract('embedded', () => harness());

describe('EmbeddedQueue restarts', () => {
  it('re-queues queued jobs and resumes a running one from its checkpoint after close and start', async () => {
    const first = await harness();
    try {
      const fx = await storeFixtures(first.storage);
      const running = await storeJob(first.jobs, fx, { epochs: 100_000, batchSize: 1, checkpointEvery: 1 });
      const queued = await storeJob(first.jobs, fx, { epochs: 2 });
      await first.queue.enqueue(running.id);
      await first.queue.enqueue(queued.id);
      await waitFor(() => first.jobs.get(running.id), (j) => (j?.checkpointIds.length ?? 0) >= 2);
      await first.queue.close(); // shutdown: the running job checkpoints and goes back to queued

      const interrupted = await first.jobs.get(running.id);
      expect(interrupted?.state).toBe('queued');
      const trainedEpochs = interrupted?.history.length ?? 0;
      expect(trainedEpochs).toBeGreaterThanOrEqual(2);

      const second = await harness(first.dataDir);
      const resumed = await waitFor(() => second.jobs.get(running.id), (j) => j?.state === 'running' && j.history.length > trainedEpochs);
      expect(resumed?.history.length).toBeGreaterThanOrEqual(trainedEpochs);
      await second.queue.cancel(running.id);
      const done = await waitFor(() => second.jobs.get(queued.id), (j) => j?.state === 'succeeded');
      expect(done?.state).toBe('succeeded');
      await second.close();
    } finally {
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('EmbeddedQueue limits', () => {
  // (That the work done before the time limit is kept as an interrupted checkpoint is
  // test/training/run-job.test.ts's: whether a batch runs within 300 ms depends on the machine.)
  it('fails a job over JOB_TIME_LIMIT_MS with TIMEOUT and no retry, and one over the activation cap with LIMIT_EXCEEDED', async () => {
    const h = await harness(undefined, { ...NO_LIMITS, timeLimitMs: 300, maxActivationBytes: 4096 });
    try {
      const fx = await storeFixtures(h.storage);
      const slow = await storeJob(h.jobs, fx, { epochs: 100_000, batchSize: 1, checkpointEvery: 100_000 });
      await h.queue.enqueue(slow.id);
      const timedOut = await waitFor(() => h.jobs.get(slow.id), (j) => j?.state === 'failed');
      expect(timedOut?.error?.code).toBe('TIMEOUT');
      expect(timedOut?.attempts).toBe(1);

      const wide = await storeJob(h.jobs, fx, { batchSize: 4096 });
      await h.queue.enqueue(wide.id);
      const refused = await waitFor(() => h.jobs.get(wide.id), (j) => j?.state === 'failed');
      expect(refused?.error?.code).toBe('LIMIT_EXCEEDED');
      expect(refused?.checkpointIds).toEqual([]);
      // A retry of the timed-out job would have run before the job enqueued after it: there was none.
      expect(await h.jobs.get(slow.id)).toMatchObject({ state: 'failed', attempts: 1 });
    } finally {
      await h.close();
    }
  });

  it('trains under the model caps the service was configured with (MAX_MODEL_PARAMS)', async () => {
    const h = await harness(undefined, { ...NO_LIMITS, model: { ...NO_LIMITS.model, maxParams: 10 } });
    try {
      const job = await storeJob(h.jobs, await storeFixtures(h.storage));
      await h.queue.enqueue(job.id);
      const refused = await waitFor(() => h.jobs.get(job.id), (j) => j?.state === 'failed');
      expect(refused?.error?.code).toBe('LIMIT_EXCEEDED');
    } finally {
      await h.close();
    }
  });
});

describe('EmbeddedQueue thread memory', () => {
  it('a training thread reports its memory with each finished job, and stops counting when it exits', async () => {
    const h = await harness();
    try {
      const fx = await storeFixtures(h.storage);
      const job = await storeJob(h.jobs, fx, { epochs: 2 });
      await h.queue.enqueue(job.id);
      const reported = await waitFor(async () => threadMemoryBoard.total('training'), (total) => total.threads === 1);
      expect(reported.threads).toBe(1);
      expect(reported.heapUsedBytes).toBeGreaterThan(0);
      expect(reported.heapTotalBytes).toBeGreaterThanOrEqual(reported.heapUsedBytes);
      expect(reported.wasmLiveBytes).toBeLessThanOrEqual(reported.wasmReservedBytes);
      await h.queue.close();
      await waitFor(async () => threadMemoryBoard.total('training'), (total) => total.threads === 0, 5_000);
      expect(threadMemoryBoard.total('training').threads).toBe(0);
    } finally {
      await h.close();
    }
  });
});
