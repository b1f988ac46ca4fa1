// Picks the training queue for the configured mode: BullMQ when REDIS_URL is set (distributed),
// otherwise the embedded queue with its own training threads.

import type { Config } from '../config.js';
import type { JobStore } from '../storage/job-store.js';
import { jobLimits } from '../training/runtime.js';
import { BullmqQueue } from './bullmq-queue.js';
import { EmbeddedQueue } from './embedded-queue.js';
import type { TrainingQueue } from './types.js';

export type { JobEvent, JobEventType, SubscribeOptions, TrainingQueue } from './types.js';

export interface QueueDeps {
  jobs: JobStore;
  onError?: (err: unknown, jobId?: string) => void;
}

type QueueConfig = Pick<Config, 'redisUrl' | 'dataDir' | 'workerConcurrency' | 'jobMaxAttempts' | 'shutdownTimeoutMs' | 'queueName' | 'queuePrefix' | 'jobLimits' | 'engineLimits' | 'checkpointRetentionLast' | 'trainingThreadMaxOldGenMb' | 'trainingThreadNice'>;

/** How often the API re-derives unfinished sweeps, behind the event-driven starts. */
const SWEEP_RECONCILE_MS = 5000;

export async function createQueue(config: QueueConfig, deps: QueueDeps): Promise<TrainingQueue> {
  if (config.redisUrl) {
    const queue = new BullmqQueue({
      redisUrl: config.redisUrl, prefix: config.queuePrefix, queueName: config.queueName,
      jobs: deps.jobs, maxAttempts: config.jobMaxAttempts, dataDir: config.dataDir,
    });
    await queue.startSweeps(SWEEP_RECONCILE_MS, (err) => deps.onError?.(err));
    // Redis down at start-up is not fatal: /readyz says 503 and the queue reconnects by itself.
    if (!(await queue.connected())) deps.onError?.(new Error('Redis is not reachable yet; the queue answers 503 until it is'));
    return queue;
  }
  const queue = new EmbeddedQueue({
    jobs: deps.jobs,
    dataDir: config.dataDir,
    limits: jobLimits(config),
    concurrency: config.workerConcurrency,
    threadHeapMb: config.trainingThreadMaxOldGenMb,
    threadNice: config.trainingThreadNice,
    maxAttempts: config.jobMaxAttempts,
    // Running jobs get most of SHUTDOWN_TIMEOUT_MS to checkpoint; the rest is for closing the server.
    shutdownGraceMs: Math.floor(config.shutdownTimeoutMs * 0.8),
    onError: deps.onError,
  });
  await queue.start();
  return queue;
}
