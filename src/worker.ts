// The distributed training worker process (`npm run worker`): runs training jobs from the BullMQ
// queue in sandboxed worker threads. SIGTERM/SIGINT checkpoint running jobs back into the queue and
// close gracefully within SHUTDOWN_TIMEOUT_MS.

import { pino } from 'pino';
import { getKernel } from './engine/index.js';
import { ConfigError } from './config.js';
import { closeOnSignal, configOrExit, runMain } from './process-lifecycle.js';
import { startChangeRelay } from './inference/redis-change-relay.js';
import { startTrainingWorker } from './queue/bullmq-worker.js';
import { ChangeFeed } from './storage/index.js';
import { jobLimits } from './training/runtime.js';

async function main(): Promise<void> {
  const config = configOrExit((c) => {
    if (!c.redisUrl) throw new ConfigError('invalid configuration: REDIS_URL: required by the worker process');
  });
  const logger = pino({ level: config.logLevel });
  const worker = await startTrainingWorker({
    redisUrl: config.redisUrl as string,
    prefix: config.queuePrefix,
    queueName: config.queueName,
    dataDir: config.dataDir,
    limits: jobLimits(config),
    concurrency: config.workerConcurrency,
    threadHeapMb: config.trainingThreadMaxOldGenMb,
    nice: config.trainingThreadNice,
    lockMs: config.jobLockMs,
    // BullMQ fails a job on the stall after maxStalledCount: JOB_MAX_ATTEMPTS runs in all.
    maxStalls: config.jobMaxAttempts - 1,
    onError: (err) => logger.warn({ err }, 'training worker error'),
  });
  // Checkpoints the sandbox threads write reach the API processes' serving index through Redis.
  const changes = new ChangeFeed(config.dataDir);
  const relay = startChangeRelay({ redisUrl: config.redisUrl as string, prefix: config.queuePrefix, feed: changes });
  logger.info({ queue: config.queueName, concurrency: config.workerConcurrency, dataDir: config.dataDir, kernel: getKernel().name }, 'training worker ready');

  closeOnSignal(logger, config.shutdownTimeoutMs, 'shutting down: checkpointing running jobs', async () => {
    await worker.close();
    await relay.close();
    changes.close();
  });
}

runMain(main);
