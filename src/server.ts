// The API process, and the only file that listens: config -> storage and services -> the training
// queue (embedded without REDIS_URL, BullMQ with it) -> buildApp -> listen. SIGTERM/SIGINT close the
// server, the queue and the predict pool gracefully, within SHUTDOWN_TIMEOUT_MS.

import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { createServices } from './api/services.js';
import { assertApiAccessConfigured, ConfigError, loadConfig, type Config } from './config.js';
import { createQueue } from './queue/index.js';

function configOrExit(): Config {
  try {
    const config = loadConfig();
    assertApiAccessConfigured(config);
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
  const services = await createServices(config, logger);
  const queue = await createQueue(config, {
    jobs: services.deps.jobs,
    onError: (err, jobId) => logger.error({ err, jobId }, 'training queue error'),
  });
  const app = await buildApp({ ...services.deps, queue, logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info({ mode: config.mode, dataDir: config.dataDir }, 'nn-service ready');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    try {
      await app.close(); // stops accepting requests, lets in-flight ones finish
      await queue.close(); // embedded: running jobs checkpoint and stay queued for the next start
      await services.close();
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
