// The distributed training worker process (`npm run worker`): runs training jobs from the BullMQ
// queue in sandboxed worker threads. SIGTERM/SIGINT checkpoint running jobs back into the queue and
// close gracefully within SHUTDOWN_TIMEOUT_MS.

import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startTrainingWorker } from './queue/bullmq-worker.js';
import { jobLimits } from './training/runtime.js';

function configOrExit(): Config {
  try {
    const config = loadConfig();
    if (!config.redisUrl) throw new ConfigError('invalid configuration: REDIS_URL: required by the worker process');
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = pino({ level: config.logLevel });
  const worker = await startTrainingWorker({
    redisUrl: config.redisUrl as string,
    prefix: config.queuePrefix,
    queueName: config.queueName,
    dataDir: config.dataDir,
    limits: jobLimits(config),
    concurrency: config.workerConcurrency,
    threadHeapMb: config.trainingThreadMaxOldGenMb,
    lockMs: config.jobLockMs,
    // BullMQ fails a job on the stall after maxStalledCount: JOB_MAX_ATTEMPTS runs in all.
    maxStalls: config.jobMaxAttempts - 1,
    onError: (err) => logger.warn({ err }, 'training worker error'),
  });
  logger.info({ queue: config.queueName, concurrency: config.workerConcurrency, dataDir: config.dataDir }, 'training worker ready');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: checkpointing running jobs');
    setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    try {
      await worker.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
