// The API process, and the only file that listens: config -> storage and services -> the training
// queue (embedded without REDIS_URL, BullMQ with it) -> buildApp -> listen. SIGTERM/SIGINT close the
// server, the queue and the predict pool gracefully, within SHUTDOWN_TIMEOUT_MS.

import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { createServices } from './api/services.js';
import { assertApiAccessConfigured } from './config.js';
import { getKernel } from './engine/index.js';
import { closeOnSignal, configOrExit, runMain } from './process-lifecycle.js';
import { createQueue } from './queue/index.js';

async function main(): Promise<void> {
  const config = configOrExit(assertApiAccessConfigured);
  const logger = pino({ level: config.logLevel });
  const services = await createServices(config, logger);
  const queue = await createQueue(config, {
    jobs: services.deps.jobs,
    onError: (err, jobId) => logger.error({ err, jobId }, 'training queue error'),
  });
  const app = await buildApp({ ...services.deps, queue, logger });
  await app.listen({ port: config.port, host: config.host });
  // kernel: what NN_KERNEL selected here (the threads select the same way), e.g. native-avx512 or wasm-relaxed-simd.
  logger.info({ mode: config.mode, dataDir: config.dataDir, kernel: getKernel().name }, 'nn-service ready');

  closeOnSignal(logger, config.shutdownTimeoutMs, 'shutting down', async () => {
    await app.close(); // stops accepting requests, lets in-flight ones finish
    await queue.close(); // embedded: running jobs checkpoint and stay queued for the next start
    await services.close();
  });
}

runMain(main);
